-- Verified FreshBooks webhook changes, durable before they are acknowledged and until the connection's
-- workflow has accepted them in a signal. One row per record: a record changed again while its row waits
-- only moves the row's seq (what the workflow would make of the two anyway), so the table is bounded by
-- the records of the connections, whatever a sender repeats.
CREATE TABLE webhook_inbox (
  connection_id text        NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  entity        text        NOT NULL,
  record_id     text        NOT NULL,
  deleted       boolean     NOT NULL,
  received_at   timestamptz NOT NULL,
  seq           bigserial   NOT NULL,
  PRIMARY KEY (connection_id, entity, record_id)
);
CREATE INDEX webhook_inbox_by_age ON webhook_inbox (received_at);
