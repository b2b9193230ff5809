import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { LocalKeyedBudget, type KeyedBudget, type KeyedSlots } from '../../common/keyed-budget';
import { BigCommerceClient, StoreThrottle } from '../../connectors/bigcommerce';
import { DatasetPacer, PowerBiClient, PowerBiTokenProvider, SharedDatasetPacer, type DatasetPacing } from '../../connectors/powerbi';
import { migrate } from '../../db/migrate';
import { createPool, type Db } from '../../db/pool';
import { PostgresKeyedBudget } from '../../db/request-budget';
import { PostgresKeyedSlots } from '../../db/request-slots';
import { createBigCommerceSandbox, DEFAULT_TOKEN } from '../../sandbox/bigcommerce';
import { listenOnLoopback } from '../../sandbox/kit/listen';
import { createPowerBiSandbox } from '../../sandbox/powerbi';
import { freshDatabase, infrastructure, stopOwnStack } from '../support/harness';

/** The most events inside any window of `windowMs` (sliding over the events themselves). */
function busiestWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** `loops` callers per worker, each calling `work` until `total` calls have started across all of them. */
async function drive(workers: Array<() => Promise<unknown>>, loops: number, total: number): Promise<number> {
  let started = 0;
  const t0 = Date.now();
  const loop = async (work: () => Promise<unknown>) => {
    while (started < total) {
      started++;
      await work();
    }
  };
  await Promise.all(workers.flatMap((w) => Array.from({ length: loops }, () => loop(w))));
  return Date.now() - t0;
}

/** A slot for every caller at once: this process's DatasetPacer alone limits what is pending. */
const noSlots: KeyedSlots = { hold: async () => () => undefined };

/**
 * Two worker processes (two pools, two throttles or pacers) hitting one BigCommerce store and one Power BI
 * dataset. What each sandbox receives is recorded on arrival, refused requests included: shared through
 * Postgres, no window ever holds more than the limit and nothing is refused; with each process pacing
 * alone (today's per-process state), the same measurement fails.
 */
describe('BigCommerce store quota and Power BI dataset limits shared through Postgres', () => {
  let dbA: Db;
  let dbB: Db;
  let url: string;

  before(async () => {
    url = await freshDatabase((await infrastructure()).databaseUrl);
    dbA = createPool(url, 3);
    dbB = createPool(url, 3);
    await migrate(dbA);
  });
  after(async () => {
    await dbA?.end();
    await dbB?.end();
    await stopOwnStack();
  });

  // ── BigCommerce ──────────────────────────────────────────────────────────
  // A store quota of 60 requests per 3 s window (a Standard store's 150 per 30 s, compressed).
  const QUOTA = 60;
  // What we allow ourselves: the throttle leaves 5 requests of every window to the store's other apps.
  const RESERVE = 5;
  const BUDGET = QUOTA - RESERVE;
  const WINDOW_MS = 3_000;
  const STORE_REQUESTS = 150;
  // Activities calling the store at once in each worker. Without latency, the headers' reserve (stop 5 short
  // of zero) still caught per-process buckets in time; with replies 150 ms late, the calls in flight overrun it.
  const STORE_CALLERS = 8;
  const STORE_LATENCY_MS = 150;

  async function storeRun(label: string, budgetOf: (db: Db) => KeyedBudget) {
    const arrivals: number[] = [];
    const sb = createBigCommerceSandbox({ rateLimitQuota: QUOTA, rateLimitWindowMs: WINDOW_MS, onRequest: () => arrivals.push(Date.now()) });
    // Answered 150 ms after arrival, as a store across the internet is: the headers a worker reads are that old.
    sb.state.injectLatency(STORE_LATENCY_MS);
    const server = await sb.listen(0);
    const store = `abc123`;
    try {
      const worker = (db: Db) => {
        const client = new BigCommerceClient({ apiBase: server.apiBase, storeHash: store, token: DEFAULT_TOKEN, throttle: new StoreThrottle(RESERVE, Date.now, budgetOf(db)) });
        return () => client.listOrders({ page: 1, limit: 1 });
      };
      const elapsed = await drive([worker(dbA), worker(dbB)], STORE_CALLERS, STORE_REQUESTS);
      const busiest = busiestWindow(arrivals, WINDOW_MS);
      const refused = sb.state.stats.rateLimited;
      process.stdout.write(`# BigCommerce ${label}: ${arrivals.length} requests arrived in ${elapsed} ms (${(arrivals.length / (elapsed / 1000)).toFixed(1)}/s); busiest ${WINDOW_MS} ms held ${busiest} (budget ${BUDGET}, quota ${QUOTA}); ${refused} refused with 429\n`);
      return { busiest, refused, elapsed };
    } finally {
      await server.close();
    }
  }

  const sharedStoreBudget = (db: Db) => {
    const fallback = new LocalKeyedBudget({ ratePerSec: 1, burst: 1 });
    return new PostgresKeyedBudget(db, { ratePerSec: 1, burst: 1, fallback });
  };

  test('two workers together keep every window of the store inside its quota less the reserve, and meet no 429', async () => {
    const r = await storeRun('shared', sharedStoreBudget);
    assert.ok(r.busiest <= BUDGET, `${r.busiest} requests arrived within one ${WINDOW_MS} ms window; the budget is ${BUDGET} (quota ${QUOTA})`);
    assert.equal(r.refused, 0, 'requests refused with 429');
  });

  test('control: with a bucket per process, the same two workers exceed the store budget', async () => {
    const r = await storeRun('per-process', () => new LocalKeyedBudget({ ratePerSec: 1, burst: 1 }));
    assert.ok(r.busiest > BUDGET || r.refused > 0, `per-process buckets stayed inside the quota (busiest ${r.busiest}, ${r.refused} refused): the shared test proves nothing`);
  });

  // ── Power BI ─────────────────────────────────────────────────────────────
  // The sandbox's clock runs ten times fast, so its rolling minute is 6 s of real time; the pacers are told the same.
  const SPEED = 10;
  const MINUTE_MS = 60_000 / SPEED;
  const PER_MINUTE = 120;
  const PENDING = 5;
  const POSTS = 260;
  const GROUP = '99999999-8888-7777-6666-555555555555';
  const sp = { tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: 's3cret' };

  async function datasetRun(label: string, pacerOf: (db: Db) => DatasetPacing) {
    const t0 = Date.now();
    const sb = createPowerBiSandbox({ now: () => t0 + (Date.now() - t0) * SPEED, rowsLatencyMs: 120 });
    sb.state.registerServicePrincipal({ ...sp, workspaces: [GROUP] });
    // Arrivals are recorded in front of the sandbox, before it can refuse anything.
    const arrivals: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const front = express();
    front.use((req, res, next) => {
      if (req.method === 'POST' && req.path.endsWith('/rows')) {
        arrivals.push(Date.now());
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        res.on('finish', () => inFlight--);
      }
      next();
    });
    front.use(sb.app);
    const server = await listenOnLoopback(front);
    try {
      const client = (db: Db) =>
        new PowerBiClient({
          apiBase: `${server.url}/v1.0/myorg`, groupId: GROUP, pacer: pacerOf(db),
          tokens: new PowerBiTokenProvider({ authorityUrl: server.url, ...sp }),
        });
      const [a, b] = [client(dbA), client(dbB)];
      const { dataset } = await a.ensureDataset({ name: 'Shared', tables: [{ name: 'Invoices', columns: [{ name: 'InvoiceId', dataType: 'Int64' }] }] }, 'None');
      let n = 0;
      const post = (c: PowerBiClient) => () => c.postRows(dataset.id, 'Invoices', [{ InvoiceId: n++ }, { InvoiceId: n++ }]);
      const elapsed = await drive([post(a), post(b)], 6, POSTS);
      const busiest = busiestWindow(arrivals, MINUTE_MS);
      const refused = sb.state.stats.postRowsRejected429;
      process.stdout.write(
        `# Power BI ${label}: ${arrivals.length} POST rows arrived in ${elapsed} ms (${(arrivals.length / (elapsed / 1000)).toFixed(1)}/s, ${((arrivals.length / elapsed) * MINUTE_MS).toFixed(0)} per dataset minute); `
        + `busiest minute held ${busiest} (allowed ${PER_MINUTE}); at most ${mostInFlight} in flight (allowed ${PENDING}); ${refused} refused with 429\n`,
      );
      return { busiest, refused, mostInFlight, rows: sb.state.stats.rowsPosted };
    } finally {
      await server.close();
    }
  }

  const pacing = { perMinute: PER_MINUTE, windowMs: MINUTE_MS, rowsWindowMs: 3_600_000 / SPEED, maxPending: PENDING };

  test('two workers together stay inside one dataset\'s posts per minute and pending requests, and meet no 429', async () => {
    const r = await datasetRun('shared', (db) =>
      new SharedDatasetPacer(
        new DatasetPacer({ windowMs: MINUTE_MS }),
        new PostgresKeyedBudget(db, { ratePerSec: 1, burst: 1, fallback: new LocalKeyedBudget({ ratePerSec: 1, burst: 1 }) }),
        new PostgresKeyedSlots(db, { leaseMs: 30_000, pollMs: 20 }),
        pacing,
      ));
    assert.ok(r.busiest <= PER_MINUTE, `${r.busiest} POST rows arrived within one dataset minute; Power BI allows ${PER_MINUTE}`);
    assert.ok(r.mostInFlight <= PENDING, `${r.mostInFlight} POST rows were in flight at once; Power BI allows ${PENDING}`);
    assert.equal(r.refused, 0, 'POST rows refused with 429');
    assert.equal(r.rows, POSTS * 2, 'every row landed once');
  });

  test('with Postgres unreachable, a worker paces a dataset by itself instead of failing', async () => {
    const gone = createPool('postgres://nobody@127.0.0.1:1/none');
    try {
      const limits = { perMinute: 20, burst: 2, windowMs: 1_000 };
      const pacer = new SharedDatasetPacer(
        new DatasetPacer(limits),
        new PostgresKeyedBudget(gone, { ratePerSec: 1, burst: 1, fallback: new LocalKeyedBudget({ ratePerSec: 1, burst: 1 }) }),
        new PostgresKeyedSlots(gone, { leaseMs: 10_000 }),
        limits,
      );
      const started = Date.now();
      for (let i = 0; i < 8; i++) (await pacer.acquire('ds-offline', 10))();
      // A burst of 2, then 18 a second: 6 more take about 330 ms.
      const took = Date.now() - started;
      assert.ok(took >= 250, `8 requests in ${took} ms: not paced`);
    } finally {
      await gone.end();
    }
  });

  test('control: with a pacer per process, the same two workers exceed the dataset\'s limits', async () => {
    const r = await datasetRun('per-process', () => new SharedDatasetPacer(new DatasetPacer({ windowMs: MINUTE_MS }), new LocalKeyedBudget({ ratePerSec: 1, burst: 1 }), noSlots, pacing));
    assert.ok(r.busiest > PER_MINUTE || r.mostInFlight > PENDING || r.refused > 0, `per-process pacers stayed inside the limits (busiest ${r.busiest}, in flight ${r.mostInFlight}, ${r.refused} refused): the shared test proves nothing`);
  });
});
