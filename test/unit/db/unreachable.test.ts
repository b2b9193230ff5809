import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPostgresUnreachable } from '../../../db/unreachable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('Postgres out of reach: refused, reset, shutting down, starting up, connection lost', () => {
  for (const e of [withCode('ECONNREFUSED'), withCode('ECONNRESET'), withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'), withCode('08006'), new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'), new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])]) {
    assert.equal(isPostgresUnreachable(e), true, String((e as Error).message));
  }
});

test('a statement Postgres refused is not an outage', () => {
  for (const e of [withCode('23505', 'duplicate key'), withCode('42P01', 'relation does not exist'), withCode('22P02'), new Error('boom'), undefined, 'ECONNREFUSED']) {
    assert.equal(isPostgresUnreachable(e), false, String(e));
  }
});
