-- Who is working a BigCommerce order right now: its order workflow or the store sweep's backlog batch.
-- FreshBooks accepts two invoices with one number, so "look up, then create" is only safe while one
-- of them holds the order. A row, not a held connection or advisory lock: it outlives nothing but its
-- expiry, and a holder that died releases it by expiring.
CREATE TABLE bigcommerce_order_leases (
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  order_id       bigint NOT NULL,
  holder         text NOT NULL,
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (connection_id, order_id)
);
