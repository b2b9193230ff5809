-- Closed workflow runs whose history has been exported (payloads as Temporal holds them: encrypted),
-- so they outlive the namespace's retention. One row per run: what makes the export idempotent and what
-- GET /api/connections/:id/history lists, whichever store holds the bodies.
CREATE TABLE history_exports (
  workflow_id   text        NOT NULL,
  run_id        text        NOT NULL,
  workflow_type text        NOT NULL,
  -- The connection the run belongs to (an order's: its store connection); NULL when none is known any more.
  connection_id text,
  status        text        NOT NULL,
  close_time    timestamptz NOT NULL,
  size_bytes    bigint      NOT NULL,
  -- Where the body is: `postgres` or the file's path.
  location      text        NOT NULL,
  exported_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX history_exports_by_connection ON history_exports (connection_id, close_time DESC);

-- Bodies for HISTORY_EXPORT=postgres: the history's JSON (Temporal's proto3 JSON, what `temporal workflow
-- show --output json` prints and replay reads). TOAST compresses it.
CREATE TABLE history_export_bodies (
  workflow_id text  NOT NULL,
  run_id      text  NOT NULL,
  history     bytea NOT NULL,
  PRIMARY KEY (workflow_id, run_id)
);
