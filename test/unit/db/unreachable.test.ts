import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPostgresUnreachable, untilPostgresAnswers } from '../../../db/unreachable';

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

test('a write after something done elsewhere waits out an outage, and only an outage', async () => {
  let calls = 0;
  const answer = await untilPostgresAnswers(async () => {
    calls += 1;
    if (calls < 3) throw withCode('ECONNREFUSED');
    return 'written';
  });
  assert.equal(answer, 'written');
  assert.equal(calls, 3);
  let refused = 0;
  await assert.rejects(untilPostgresAnswers(async () => { refused += 1; throw withCode('23505', 'duplicate key'); }), /duplicate key/);
  assert.equal(refused, 1, 'a refused statement is not tried again');
  await assert.rejects(untilPostgresAnswers(async () => { throw withCode('ECONNREFUSED', 'still down'); }, 100), /still down/);
});
