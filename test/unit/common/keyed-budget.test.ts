import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalKeyedBudget, spreadOver } from '../../../common/keyed-budget';
import { StoreThrottle } from '../../../connectors/bigcommerce';

describe('spreadOver', () => {
  it('never lets a window hold more than the limit, with headroom', () => {
    for (const [limit, burst, windowMs] of [[120, 10, 60_000], [1_000_000, 100_000, 3_600_000], [145, 14, 30_000], [3, 10, 1_000]] as const) {
      const l = spreadOver(limit, burst, windowMs);
      const most = l.burst + l.ratePerSec * (windowMs / 1000);
      assert.ok(most <= limit, `${limit}/${windowMs} ms: a window can hold ${most}`);
      assert.ok(most >= limit * 0.95 || limit < 10, `${limit}/${windowMs} ms: only ${most} used`);
    }
  });
});

describe('LocalKeyedBudget', () => {
  it('charges what a request costs, and never asks for more than the bucket holds', async () => {
    const b = new LocalKeyedBudget({ ratePerSec: 1_000, burst: 100 });
    const started = Date.now();
    await b.acquire('k', 100); // the whole burst
    await b.acquire('k', 50); // 50 ms of refill
    await b.acquire('k', 10_000); // capped at the burst: 100 ms, not 10 s
    const took = Date.now() - started;
    assert.ok(took >= 130 && took < 1_000, `took ${took} ms`);
  });

  it('takes limits per call, as a store that has told its plan does', async () => {
    const b = new LocalKeyedBudget({ ratePerSec: 1, burst: 1 });
    const started = Date.now();
    for (let i = 0; i < 5; i++) await b.acquire('store', 1, { ratePerSec: 100, burst: 5 });
    assert.ok(Date.now() - started < 200, 'the per-call limits applied, not the default 1/s');
  });
});

describe('StoreThrottle limits', () => {
  it('paces a store it has not heard from one request at a time, then by its own quota headers less the reserve', () => {
    const t = new StoreThrottle(5);
    assert.equal(t.limits('s').burst, 1);
    t.observe('s', { status: 200, text: '', headers: { 'x-rate-limit-requests-quota': '450', 'x-rate-limit-time-window-ms': '30000', 'x-rate-limit-requests-left': '400', 'x-rate-limit-time-reset-ms': '10000' } });
    const l = t.limits('s');
    assert.ok(l.burst + l.ratePerSec * 30 <= 445, 'a window holds at most the quota less the reserve');
    assert.ok(l.burst + l.ratePerSec * 30 >= 430, 'and not much less');
  });
});
