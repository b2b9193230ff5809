-- A Power BI batch spans tables (an invoice and its lines) posted side by side, and a push dataset has no
-- idempotency key. When some tables took their rows and another refused them, the batch fails and is
-- retried whole: the tables that already have its rows are noted here so the retry skips them. A row lives
-- from that partial failure until the retry completes the batch.
CREATE TABLE powerbi_partial_posts (
  dataset_id  text NOT NULL,
  batch_key   text NOT NULL,
  table_name  text NOT NULL,
  posted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, batch_key, table_name)
);
