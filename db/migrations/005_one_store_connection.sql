-- One live connection per BigCommerce store. The service checked before inserting, but ten concurrent
-- POSTs all passed the check: five connections, twenty hooks, every order event delivered five times.
-- Older duplicates (if any were made) keep the oldest live connection; the others are marked deleted
-- with the reason, so the index can hold.
UPDATE connections c SET status = 'deleted',
       status_detail = c.status_detail || jsonb_build_object('deletedAt', now(), 'reason', 'duplicate connection of the same BigCommerce store')
 WHERE c.kind = 'bigcommerce_freshbooks' AND c.status <> 'deleted'
   AND EXISTS (SELECT 1 FROM connections o
                WHERE o.kind = 'bigcommerce_freshbooks' AND o.status <> 'deleted'
                  AND o.destination->>'storeHash' = c.destination->>'storeHash'
                  AND (o.created_at, o.id) < (c.created_at, c.id));
CREATE UNIQUE INDEX connections_one_live_store ON connections ((destination->>'storeHash'))
  WHERE kind = 'bigcommerce_freshbooks' AND status <> 'deleted';

-- Order leases belong to the store's order, not to a connection: two connections of one store (a
-- re-connect while an old order workflow still runs) must not both "look up, then create". Leases are
-- short-lived (30 s without renewal), so the old rows are simply dropped.
DROP TABLE bigcommerce_order_leases;
CREATE TABLE bigcommerce_order_leases (
  store_hash   text NOT NULL,
  order_id     bigint NOT NULL,
  holder       text NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (store_hash, order_id)
);
