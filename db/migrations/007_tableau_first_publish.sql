-- A Tableau connection's first sync is one whole-file publish: the backfill's rows (and any webhook change
-- that comes meanwhile) are staged here, keyed like the data source's tables, and published as one .hyper
-- with overwrite=true when the full run has read everything. Update Data takes over after that.
CREATE TABLE tableau_staged_rows (
  connection_id  text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  table_name     text NOT NULL,
  row_key        text NOT NULL,
  -- The parent (lines) or record (an account's rows) whose rows are replaced together.
  group_key      text,
  row            jsonb NOT NULL,
  PRIMARY KEY (connection_id, table_name, row_key)
);
CREATE INDEX tableau_staged_rows_group ON tableau_staged_rows (connection_id, table_name, group_key);

-- 'staging' until the first publish is done; then 'published' and the staged rows are gone.
CREATE TABLE tableau_publications (
  connection_id  text PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
  state          text NOT NULL CHECK (state IN ('staging', 'published')),
  datasource_id  text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
