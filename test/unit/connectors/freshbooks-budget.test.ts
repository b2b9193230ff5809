/**
 * Request pacing, Retry-After / backoff arithmetic, and the error-shape parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../../common/backoff';
import { parseFreshBooksError, parseRetryAfterMs, TokenBucketBudget } from '../../../connectors/freshbooks';

describe('TokenBucketBudget', () => {
  it('lets a burst through, then paces at the configured rate', async () => {
    const budget = new TokenBucketBudget({ ratePerSec: 20, burst: 2 });
    const started = Date.now();
    for (let i = 0; i < 6; i++) await budget.acquire('acct');
    const elapsed = Date.now() - started;
    // 2 free, then 4 at 50 ms each.
    assert.ok(elapsed >= 180 && elapsed < 600, `took ${elapsed} ms`);
  });

  it('keeps keys independent', async () => {
    const budget = new TokenBucketBudget({ ratePerSec: 1, burst: 1 });
    await budget.acquire('a');
    const started = Date.now();
    await budget.acquire('b');
    assert.ok(Date.now() - started < 50);
  });

  it('blocks every acquisition for a key until a pause ends', async () => {
    const budget = new TokenBucketBudget({ ratePerSec: 100, burst: 5 });
    budget.pause('acct', 300);
    const started = Date.now();
    await Promise.all([budget.acquire('acct'), budget.acquire('acct')]);
    assert.ok(Date.now() - started >= 290, 'both waited for the pause');
    const other = Date.now();
    await budget.acquire('other');
    assert.ok(Date.now() - other < 50, 'other keys are not paused');
  });

  it('serves waiters in arrival order', async () => {
    const budget = new TokenBucketBudget({ ratePerSec: 50, burst: 1 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => budget.acquire('k').then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
  });
});

describe('Retry-After and backoff', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfterMs('3'), 3000);
    assert.equal(parseRetryAfterMs(' 0 '), 0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfterMs('soon'), undefined);
    assert.equal(parseRetryAfterMs(undefined), undefined);
  });

  it('backs off exponentially with jitter inside [half, full] of the step, capped', () => {
    assert.equal(backoffDelay(0, { baseMs: 100, maxMs: 10_000, jitter: 'equal' }, () => 0), 50);
    assert.equal(backoffDelay(0, { baseMs: 100, maxMs: 10_000, jitter: 'equal' }, () => 1), 100);
    assert.equal(backoffDelay(3, { baseMs: 100, maxMs: 10_000, jitter: 'equal' }, () => 0.5), 600);
    assert.equal(backoffDelay(20, { baseMs: 100, maxMs: 10_000, jitter: 'equal' }, () => 1), 10_000);
  });
});

describe('parseFreshBooksError', () => {
  it('reads the accounting errors[] shape', () => {
    const e = parseFreshBooksError({ response: { errors: [{ errno: 1012, field: 'userid', message: 'Client not found.', object: 'client', value: '12345' }] } });
    assert.deepEqual(e, { message: 'Client not found.', errno: 1012, field: 'userid' });
  });

  it('reads the google.rpc shape, errno from reason', () => {
    const e = parseFreshBooksError({
      code: 5,
      message: 'Request failed with status_code: 404',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: '1012', domain: 'accounting.api.freshbooks.com', metadata: { object: 'client', message: 'Client not found.', value: '12345', field: 'userid' } }],
    });
    assert.deepEqual(e, { message: 'Client not found.', errno: 1012, field: 'userid' });
  });

  it('reads the events errno/message shape, spotting invalid_token', () => {
    assert.deepEqual(parseFreshBooksError({ errno: 404, message: 'Requested resource could not be found.' }), { message: 'Requested resource could not be found.', errno: 404 });
    const auth = parseFreshBooksError({ errno: 401, message: 'invalid_token: The request token failed to authenticate or validate.' });
    assert.equal(auth?.code, 'invalid_token');
    assert.equal(auth?.errno, 401);
  });

  it('reads the OAuth error shape', () => {
    assert.deepEqual(parseFreshBooksError({ error: 'unauthenticated', error_description: 'This action requires authentication to continue.' }), {
      message: 'This action requires authentication to continue.',
      code: 'unauthenticated',
    });
  });

  it('reads the ledger-accounts and projects error shapes too', () => {
    assert.equal(parseFreshBooksError({ errors: { message: 'Bad', status: 422, details: [{ reason: '1004', metadata: {} }] } })?.errno, 1004);
    const proj = parseFreshBooksError({ errno: 2001, error: { started_at: 'field required' } });
    assert.equal(proj?.errno, 2001);
    assert.equal(proj?.field, 'started_at');
  });

  it('does not mistake successful replies for errors', () => {
    assert.equal(parseFreshBooksError({ response: { result: { clients: [], page: 1, pages: 0, per_page: 100, total: 0 } } }), null);
    assert.equal(parseFreshBooksError({ response: { id: 1, business_memberships: [] } }), null);
    assert.equal(parseFreshBooksError({ code: 0, details: [] }), null);
    assert.equal(parseFreshBooksError('nope'), null);
  });
});
