-- Requests in flight shared by every worker process: a few numbered slots per key (a Power BI dataset
-- allows 5 POST rows requests pending). A slot is leased until a time on Postgres's clock, so a worker
-- that died holding one gives it back when the lease ends instead of never.
CREATE TABLE request_slots (
  key         text NOT NULL,
  slot        integer NOT NULL,
  held_until  timestamptz NOT NULL DEFAULT '-infinity',
  PRIMARY KEY (key, slot)
);
