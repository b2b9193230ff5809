import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type LocalService } from '../../scripts/local-service';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';
import { startHarness, type Harness } from '../support/harness';
import { createPowerBiConnection, createStoreConnection, eventually } from '../support/flows';

const STORE = 'apiinst01';

/**
 * Two API instances on one Postgres: a change made through one (pause, resume, delete) is what the other's
 * webhook routes answer by at once, not after their per-connection cache ages out (a minute). Both
 * caches are covered: the BigCommerce store secrets and the FreshBooks verifiers.
 */
describe('API instances agree on connection changes (real Postgres NOTIFY, Temporal, sandboxes)', () => {
  let h: Harness;
  let other: LocalService;
  let store: Awaited<ReturnType<typeof createStoreConnection>>;
  let hookSecret: string;

  /** A store order event delivered to instance B: its status, and whether B took the connection as paused. */
  const storeDelivery = async (hash: string) => {
    const res = await fetch(`${other.apiUrl}/webhooks/bigcommerce/${store.connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'X-Hook-Secret': hookSecret },
      body: JSON.stringify({ scope: 'store/order/statusUpdated', store_id: '1', data: { type: 'order', id: 999_999 }, hash, created_at: Math.floor(Date.now() / 1000), producer: `stores/${STORE}` }),
    });
    const text = await res.text();
    return { status: res.status, paused: res.status === 200 && (JSON.parse(text) as { paused?: boolean }).paused === true };
  };
  /** How long instance B took to show a change instance A committed at `since`. */
  const agreed = async (what: string, since: number, probe: () => Promise<boolean>) => {
    await eventually(what, async () => (await probe()) || undefined, 5_000);
    const ms = Date.now() - since;
    process.stdout.write(`# ${what}: instance B agreed after ${ms} ms\n`);
    return ms;
  };

  before(async () => {
    h = await startHarness({ bigcommerce: { seedOrders: 0, rateLimitQuota: 10_000, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    other = await startService({ ...h.env, PORT: '0' }, { worker: false });
    store = await createStoreConnection(h, { storeHash: STORE });
    const hook = await eventually('the store hook', () => (h.bc.state.hooks(STORE) as any[]).find((x) => String(x.destination).endsWith(`/${store.connectionId}`)), 60_000);
    hookSecret = hook.headers['X-Hook-Secret'];
  });
  after(async () => {
    await other?.close();
    await h?.close();
  });

  test('pause and resume through instance A reach instance B\'s store webhook route at once', async () => {
    assert.deepEqual(await storeDelivery('a1'), { status: 200, paused: false }, 'B has the connection cached as active');
    let since = Date.now();
    assert.equal((await h.admin(`/api/connections/${store.connectionId}/pause`, { method: 'POST' })).status, 202);
    await agreed('paused', since, async () => (await storeDelivery('a2')).paused);
    since = Date.now();
    assert.equal((await h.admin(`/api/connections/${store.connectionId}/resume`, { method: 'POST' })).status, 202);
    await agreed('resumed', since, async () => !(await storeDelivery('a3')).paused);
  });

  test('a change made while the listening connection is down is not served stale after it reconnects', async () => {
    assert.deepEqual(await storeDelivery('b1'), { status: 200, paused: false });
    const { rows } = await h.db.query(`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN connection_changed'`);
    assert.equal(rows.length, 2, 'both instances were listening');
    // B loads the connection again while nobody listens: what it caches now is what the reconnect must drop.
    assert.equal((await storeDelivery('b2')).status, 200);
    const since = Date.now();
    // Committed while nobody listens: its announcement is lost; the reconnect must drop the cached entry.
    assert.equal((await h.admin(`/api/connections/${store.connectionId}/pause`, { method: 'POST' })).status, 202);
    await agreed('paused across a lost listener', since, async () => (await storeDelivery('b3')).paused);
    await eventually('listening again', async () => {
      const { rows: again } = await h.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN connection_changed'`);
      return again[0].n === 2 || undefined;
    });
    assert.equal((await h.admin(`/api/connections/${store.connectionId}/resume`, { method: 'POST' })).status, 202);
  });

  test('a connection deleted through instance A is 404 at instance B\'s webhook routes at once (store and FreshBooks)', async () => {
    const fb = await createPowerBiConnection(h);
    // Unsigned: 401 while B takes the connection to exist, 404 once it knows it is gone. (A verify post
    // would not tell: it is checked against Postgres, not the cache.)
    const unsignedDelivery = () => fetch(`${other.apiUrl}/webhooks/freshbooks/${fb.connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'invoice.update', object_id: '1', account_id: fb.accountId, business_id: '1' }).toString(),
    }).then((r) => r.status);
    assert.equal(await unsignedDelivery(), 401, 'B has the FreshBooks connection cached');
    assert.equal((await storeDelivery('c1')).status, 200, 'B has the store connection cached');

    let since = Date.now();
    assert.equal((await h.admin(`/api/connections/${fb.connectionId}`, { method: 'DELETE' })).status, 204);
    await agreed('FreshBooks connection deleted', since, async () => (await unsignedDelivery()) === 404);
    since = Date.now();
    assert.equal((await h.admin(`/api/connections/${store.connectionId}`, { method: 'DELETE' })).status, 204);
    await agreed('store connection deleted', since, async () => (await storeDelivery('c2')).status === 404);
  });
});
