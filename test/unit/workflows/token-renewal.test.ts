import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_RENEW_WAIT_MS, renewalDueIn } from '../../../workflows/token-renewal';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const MIN = 60_000;

test('a 12-hour token is renewed 5 minutes before it expires', () => {
  assert.equal(renewalDueIn(T0 + 12 * 60 * MIN, T0, T0), 12 * 60 * MIN - 5 * MIN);
});

test('a token that lives 5 minutes or less is renewed halfway through its life, not at once', () => {
  assert.equal(renewalDueIn(T0 + 20_000, T0, T0), 10_000);
  assert.equal(renewalDueIn(T0 + 5 * MIN, T0, T0), 2.5 * MIN);
  assert.equal(renewalDueIn(T0 + 8 * MIN, T0, T0), 4 * MIN, 'between 5 and 10 minutes the half-life floor still wins');
});

test('a token that arrives expired (or with no lifetime) waits the minimum before the next renewal', () => {
  assert.equal(renewalDueIn(T0 - 1_000, T0, T0), MIN_RENEW_WAIT_MS);
  assert.equal(renewalDueIn(T0, T0, T0), MIN_RENEW_WAIT_MS);
});

test('the wait counts from when the token was obtained', () => {
  assert.equal(renewalDueIn(T0 + 20_000, T0, T0 + 4_000), 6_000);
  assert.ok(renewalDueIn(T0 + 20_000, T0, T0 + 30_000) < 0, 'overdue: renew now');
});

test('over a simulated hour of 20-second tokens, renewals stay proportional to the lifetime', () => {
  let now = T0;
  let refreshes = 0;
  while (now < T0 + 60 * MIN) {
    const expiresAt = now + 20_000; // what a refresh returns
    now += Math.max(0, renewalDueIn(expiresAt, now, now));
    refreshes += 1;
  }
  assert.equal(refreshes, 360, 'one renewal every 10 s');
});
