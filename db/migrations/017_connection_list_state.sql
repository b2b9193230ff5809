-- What the console's connections list shows of each connection, kept in Postgres so a list page is a few
-- queries however many connections there are, instead of one query per connection through its workflow.

-- Written by each connection workflow (an activity) when its phase, next poll or webhook error changes:
-- run start and end, backing off, waiting for re-authorization; never per webhook batch.
CREATE TABLE connection_workflow_states (
  connection_id        text        PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
  phase                text        NOT NULL,
  next_poll_at         timestamptz,
  consecutive_failures integer     NOT NULL DEFAULT 0,
  webhook_error        text,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Per connection: ledger rows and the newest delivery, kept by statement-level triggers on the ledger
-- (one upsert per connection per statement, whatever its row count), so nothing counts the ledger per page.
CREATE TABLE connection_delivery_totals (
  connection_id     text        PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
  delivered         bigint      NOT NULL DEFAULT 0,
  last_delivered_at timestamptz
);

CREATE FUNCTION delivery_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Ordered by connection so two statements over the same connections lock their rows in one order.
  INSERT INTO connection_delivery_totals AS t (connection_id, delivered, last_delivered_at)
  SELECT connection_id, count(*), max(delivered_at) FROM inserted GROUP BY connection_id ORDER BY connection_id
  ON CONFLICT (connection_id) DO UPDATE
    SET delivered = t.delivered + EXCLUDED.delivered,
        last_delivered_at = greatest(t.last_delivered_at, EXCLUDED.last_delivered_at);
  RETURN NULL;
END $$;

CREATE FUNCTION delivery_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE connection_delivery_totals t SET last_delivered_at = greatest(t.last_delivered_at, u.last)
    FROM (SELECT connection_id, max(delivered_at) AS last FROM updated GROUP BY connection_id ORDER BY connection_id) u
   WHERE t.connection_id = u.connection_id;
  RETURN NULL;
END $$;

-- Deletes are rare (a rebuild forgets the ledger, a person removes rows by hand): the affected
-- connections are counted again. UPDATE only: a connection being deleted takes its row with it.
CREATE FUNCTION delivery_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE connection_delivery_totals t
     SET delivered = (SELECT count(*) FROM delivered_records d WHERE d.connection_id = t.connection_id),
         last_delivered_at = (SELECT max(delivered_at) FROM delivered_records d WHERE d.connection_id = t.connection_id)
   WHERE t.connection_id IN (SELECT DISTINCT connection_id FROM removed);
  RETURN NULL;
END $$;

CREATE TRIGGER delivered_records_totals_insert AFTER INSERT ON delivered_records
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_inserted();
CREATE TRIGGER delivered_records_totals_update AFTER UPDATE ON delivered_records
  REFERENCING NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_updated();
CREATE TRIGGER delivered_records_totals_delete AFTER DELETE ON delivered_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_deleted();

-- The ledger as it stands (the migration runs in one transaction with the triggers, so nothing slips between).
INSERT INTO connection_delivery_totals (connection_id, delivered, last_delivered_at)
SELECT connection_id, count(*), max(delivered_at) FROM delivered_records GROUP BY connection_id;
