-- BigCommerce → FreshBooks. Where each order stands, for the API (the order workflow's history holds
-- every step too, but histories expire; this row does not).
CREATE TABLE bigcommerce_orders (
  connection_id    text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  order_id         bigint NOT NULL,
  state            text NOT NULL,
  reason           text,
  status_id        integer,
  invoice_id       bigint,
  client_id        bigint,
  invoice_number   text,
  invoice_status   text,
  total            text,
  currency         text,
  payments         jsonb NOT NULL DEFAULT '[]'::jsonb,
  refunds          jsonb NOT NULL DEFAULT '[]'::jsonb,
  flags            jsonb NOT NULL DEFAULT '[]'::jsonb,
  error            text,
  passes           integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, order_id)
);
CREATE INDEX bigcommerce_orders_state_idx ON bigcommerce_orders (connection_id, state);

-- Every step an order went through (skips, invoice found or created, payments, refunds, failures).
CREATE TABLE bigcommerce_order_events (
  id             bigserial PRIMARY KEY,
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  order_id       bigint NOT NULL,
  at             timestamptz NOT NULL DEFAULT now(),
  kind           text NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX bigcommerce_order_events_order_idx ON bigcommerce_order_events (connection_id, order_id, id);

-- Which FreshBooks record stands for a store customer / catalogue entry: consulted before any
-- look-up by email, SKU or name, so a renamed client or item stays matched.
CREATE TABLE bigcommerce_record_map (
  connection_id   text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('client', 'item')),
  store_key       text NOT NULL,
  freshbooks_id   bigint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, kind, store_key)
);
