-- Tableau keeps one session per personal access token: a second sign-in with a PAT ends the first. Worker
-- processes that share a PAT take turns through this row (holder + expiry, like the order leases), and
-- `signed_in_by` names the process whose sign-in is the PAT's live session, so the others know their
-- tokens are dead without spending a 401 to find out.
CREATE TABLE tableau_pat_leases (
  pat_key       text PRIMARY KEY,
  holder        text,
  expires_at    timestamptz,
  signed_in_by  text,
  sign_ins      bigint NOT NULL DEFAULT 0
);

-- Every attempt to publish or update a connection's data source: the audit trail the API shows
-- (GET /api/connections/:id/tableau-jobs). One row per (request id, attempt); the request id is derived
-- from the batch, so a retry finds the row of its earlier attempt and reuses its upload session.
CREATE TABLE tableau_jobs (
  connection_id      text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  request_id         text NOT NULL,
  attempt            integer NOT NULL,
  batch_key          text NOT NULL,
  action             text NOT NULL CHECK (action IN ('publish', 'update')),
  upload_session_id  text,
  job_id             text,
  finish_code        integer,
  notes              text,
  rows_per_action    jsonb NOT NULL DEFAULT '{}'::jsonb,
  error              text,
  started_at         timestamptz NOT NULL DEFAULT now(),
  patched_at         timestamptz,
  completed_at       timestamptz,
  PRIMARY KEY (connection_id, request_id, attempt)
);
CREATE INDEX tableau_jobs_recent ON tableau_jobs (connection_id, started_at DESC);

-- A Tableau PAT that expired or was revoked stops the connection until the user enters a new one.
ALTER TABLE connections DROP CONSTRAINT connections_status_check;
ALTER TABLE connections ADD CONSTRAINT connections_status_check
  CHECK (status IN ('active', 'needs_reauth', 'paused', 'deleted', 'destination_auth'));
