-- Request budgets shared by every worker process: one token bucket per key (a FreshBooks account), kept
-- in Postgres so N workers together stay inside what one account may send. Times are Postgres's clock,
-- so the processes' own clocks never disagree about a refill.
CREATE TABLE request_budgets (
  key           text PRIMARY KEY,
  tokens        double precision NOT NULL,
  -- Tokens accrue from here; a pause moves it to the pause's end, so nothing accrues while paused.
  refilled_at   timestamptz NOT NULL,
  paused_until  timestamptz NOT NULL DEFAULT '-infinity'
);
