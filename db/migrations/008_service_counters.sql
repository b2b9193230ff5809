-- Running totals that workers keep for /metrics, so any API instance can show them: records delivered per
-- destination type, FreshBooks 429s waited out and waits for the per-account request budget. Workers add
-- deltas (never overwrite); labels are closed sets (a destination type, nothing per account or connection).
CREATE TABLE service_counters (
  metric      text NOT NULL,
  label       text NOT NULL DEFAULT '',
  events      bigint NOT NULL DEFAULT 0,
  seconds     double precision NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (metric, label)
);
