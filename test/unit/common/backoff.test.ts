import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay } from '../../../common/backoff';

describe('backoffDelay', () => {
  const shape = { baseMs: 100, maxMs: 10_000 };

  test('full jitter: anywhere in [0, step]', () => {
    assert.equal(backoffDelay(0, { ...shape, jitter: 'full' }, () => 0), 0);
    assert.equal(backoffDelay(3, { ...shape, jitter: 'full' }, () => 1), 800);
    assert.equal(backoffDelay(3, { ...shape, jitter: 'full' }, () => 0.25), 200);
  });

  test('equal jitter: in [half, full] of the step', () => {
    assert.equal(backoffDelay(3, { ...shape, jitter: 'equal' }, () => 0), 400);
    assert.equal(backoffDelay(3, { ...shape, jitter: 'equal' }, () => 1), 800);
  });

  test('no jitter: the step itself, random unused', () => {
    assert.equal(backoffDelay(4, { ...shape, jitter: 'none' }, () => assert.fail('random called')), 1600);
  });

  test('the step doubles per attempt and stops at the cap, however many attempts', () => {
    for (const jitter of ['full', 'equal', 'none'] as const) {
      const steps = [0, 1, 2, 7, 8, 40, 2000].map((a) => backoffDelay(a, { ...shape, jitter }, () => 1));
      assert.deepEqual(steps, [100, 200, 400, 10_000, 10_000, 10_000, 10_000], jitter);
    }
  });
});
