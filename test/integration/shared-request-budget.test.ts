import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalKeyedBudget } from '../../common/keyed-budget';
import { migrate } from '../../db/migrate';
import { createPool, type Db } from '../../db/pool';
import { PostgresKeyedBudget } from '../../db/request-budget';
import { SharedAccountBudget, type RequestBudget } from '../../connectors/freshbooks';
import { freshDatabase, infrastructure, stopOwnStack } from '../support/harness';

const RATE = 20;
const BURST = 5;

/** The most grants inside any window of `windowMs` (sliding over the grants themselves). */
function busiestWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * Two worker processes (two pools, two budget objects) drawing on one FreshBooks account: together they stay
 * inside one account's budget, a 429 one of them met holds the other back too, and a Postgres that cannot be
 * reached slows requests to the process's own pace instead of failing them.
 */
describe('FreshBooks request budget shared through Postgres', () => {
  let dbA: Db;
  let dbB: Db;
  const budget = (db: Db) => new PostgresKeyedBudget(db, { ratePerSec: RATE, burst: BURST, fallback: new LocalKeyedBudget({ ratePerSec: RATE, burst: BURST }) });

  before(async () => {
    const url = await freshDatabase((await infrastructure()).databaseUrl);
    dbA = createPool(url);
    dbB = createPool(url);
    await migrate(dbA);
  });
  after(async () => {
    await dbA?.end();
    await dbB?.end();
    await stopOwnStack();
  });

  test('two processes together never exceed the rate one account allows', async () => {
    const [a, b] = [budget(dbA), budget(dbB)];
    const granted: number[] = [];
    const started = Date.now();
    const take = (x: PostgresKeyedBudget) => x.acquire('acct-1').then(() => { granted.push(Date.now()); });
    await Promise.all(Array.from({ length: 40 }, (_, i) => take(i % 2 ? a : b)).concat(Array.from({ length: 40 }, () => take(a)), Array.from({ length: 40 }, () => take(b))));
    const elapsed = Date.now() - started;
    const perSecond = busiestWindow(granted, 1_000);
    process.stdout.write(`# 120 grants in ${elapsed} ms; busiest second held ${perSecond} (allowed ${RATE + BURST})\n`);
    // Each process with a budget of its own would have finished in about half the time.
    assert.ok(elapsed >= ((120 - BURST) / RATE) * 1000 * 0.95, `120 grants took ${elapsed} ms: faster than one account's rate allows`);
    assert.ok(perSecond <= RATE + BURST, `${perSecond} grants in one second`);
  });

  test('what FreshBooks sees on arrival stays inside the budget, however long a granted request waits before it leaves', async () => {
    // Rate 3, burst 3: at most 6 in any second. The first four granted requests leave 700 ms late (a busy
    // event loop or connection pool between grant and send), so they land beside the ones granted after.
    const limits = { ratePerSec: 3, burst: 3 };
    const arrivals = async (budget: RequestBudget, key: string) => {
      const landed: number[] = [];
      let granted = 0;
      await Promise.all(Array.from({ length: 9 }, async () => {
        const release = await budget.acquire(key);
        const late = granted++ < 4 ? 700 : 0;
        await new Promise((r) => setTimeout(r, late));
        landed.push(Date.now());
        await new Promise((r) => setTimeout(r, 5)); // the reply
        release();
      }));
      return busiestWindow(landed, 1_000);
    };
    const bucket = () => new PostgresKeyedBudget(dbA, { ...limits, fallback: new LocalKeyedBudget(limits) });
    const lone = bucket();
    const bucketOnly: RequestBudget = { acquire: async (key) => { await lone.acquire(key); return () => undefined; }, pause: () => undefined };
    const withoutHolds = await arrivals(bucketOnly, 'acct-late-1');
    const withHolds = await arrivals(new SharedAccountBudget(bucket(), limits), 'acct-late-2');
    process.stdout.write(`# busiest second on arrival: ${withoutHolds} with the bucket alone, ${withHolds} with each request held until a second after its reply (allowed 6)\n`);
    assert.ok(withoutHolds > 6, `the late departures should crowd one second past the bucket's 6 (saw ${withoutHolds}): the case is real`);
    assert.ok(withHolds <= 6, `${withHolds} requests landed in one second`);
  });

  test('a pause one process met (a 429) holds the other process back too', async () => {
    const [a, b] = [budget(dbA), budget(dbB)];
    await b.acquire('acct-2');
    a.pause('acct-2', 1_500);
    await new Promise((r) => setTimeout(r, 100)); // the pause is written in the background
    const started = Date.now();
    await b.acquire('acct-2');
    const waited = Date.now() - started;
    assert.ok(waited >= 1_200, `process B waited only ${waited} ms after process A was told to pause for 1,500 ms`);
  });

  test('with Postgres unreachable, requests are paced by the process alone instead of failing', async () => {
    const gone = createPool('postgres://nobody@127.0.0.1:1/none');
    try {
      const lonely = new PostgresKeyedBudget(gone, { ratePerSec: RATE, burst: BURST, fallback: new LocalKeyedBudget({ ratePerSec: RATE, burst: BURST }) });
      const started = Date.now();
      await Promise.all(Array.from({ length: 15 }, () => lonely.acquire('acct-3')));
      assert.ok(Date.now() - started >= ((15 - BURST) / RATE) * 1000 * 0.9, 'still paced');
      const release = await lonely.acquireCounted('acct-3', { max: 1, afterReleaseMs: 60_000, leaseMs: 60_000 });
      release();
      await lonely.acquireCounted('acct-3', { max: 1, afterReleaseMs: 60_000, leaseMs: 60_000 }); // nothing held where no one can see it
    } finally {
      await gone.end();
    }
  });
});
