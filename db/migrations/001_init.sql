-- Secret material, envelope-encrypted (common/crypto.ts). `metadata` holds only non-secret facts.
CREATE TABLE credentials (
  id          text PRIMARY KEY,
  kind        text NOT NULL,
  sealed      bytea NOT NULL,
  key_id      text NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth', 'revoked')),
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One configured integration. A FreshBooks side is (grant, account, business): one grant can back
-- several connections, one per business the user chose.
CREATE TABLE connections (
  id             text PRIMARY KEY,
  kind           text NOT NULL,
  source         jsonb NOT NULL,
  destination    jsonb NOT NULL,
  settings       jsonb NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth', 'paused', 'deleted')),
  status_detail  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connections_grant_idx ON connections ((source->>'grantId'));

-- OAuth `state` values: single use, short-lived, bound to what the user asked for at start.
CREATE TABLE oauth_states (
  state        text PRIMARY KEY,
  provider     text NOT NULL,
  request      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz
);

-- A completed FreshBooks authorization and the businesses it can see, until the user picks some.
CREATE TABLE oauth_authorizations (
  id             text PRIMARY KEY,
  credential_id  text NOT NULL REFERENCES credentials(id),
  identity       jsonb NOT NULL,
  request        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Delivery ledger: the version of each source record a connection has delivered. Lets polling,
-- reconciliation and (later) webhooks meet without re-sending, and records when each record went out.
CREATE TABLE delivered_records (
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  entity         text NOT NULL,
  record_id      text NOT NULL,
  version        text NOT NULL,
  batch_id       text NOT NULL,
  updated_at_src timestamptz,
  delivered_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, entity, record_id)
);

CREATE TABLE sync_runs (
  id             bigserial PRIMARY KEY,
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  run_key        text NOT NULL UNIQUE,
  mode           text NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  stats          jsonb NOT NULL DEFAULT '{}'::jsonb,
  error          text
);
CREATE INDEX sync_runs_conn_idx ON sync_runs (connection_id, id DESC);
