-- Requests a budget still counts after granting them: until when each one counts (its lease while it is in
-- flight, its reply plus the far side's window once answered). Kept in the bucket's own row, so a grant and
-- its hold are one UPDATE.
ALTER TABLE request_budgets ADD COLUMN holds timestamptz[] NOT NULL DEFAULT '{}';
