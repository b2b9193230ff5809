-- Reconciliation reports (contracts/reconciliation.ts), whole as jsonb: the API, console, CLI and the
-- Prometheus gauges read the latest per connection. Bounded: the repository keeps the last few per connection.
CREATE TABLE reconciliation_reports (
  id             text PRIMARY KEY,
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  status         text NOT NULL CHECK (status IN ('clean', 'differences', 'failed')),
  finished_at    timestamptz NOT NULL,
  report         jsonb NOT NULL
);
CREATE INDEX reconciliation_reports_latest_idx ON reconciliation_reports (connection_id, finished_at DESC, id DESC);
