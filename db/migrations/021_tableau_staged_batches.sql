-- A Tableau connection's first sync staged one row per batch (its table changes as JSON text, in the order
-- they were staged) instead of one jsonb upsert per data source row: 5,714 records were ~20,000 upserts,
-- which held the publication row's lock for ~0.4 s per batch and made the entity lanes take turns. The
-- publish replays the batches in order (db/tableau TableauStaging.tables). Rows staged by older workers in
-- tableau_staged_rows are read first, so a first sync begun before this migration is published whole.
CREATE TABLE tableau_staged_batches (
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  seq            bigserial,
  changes        text NOT NULL,
  staged_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, seq)
);
