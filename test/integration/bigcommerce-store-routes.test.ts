import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createStoreConnection, eventually, invoicesNumbered, orderOutcome } from '../support/flows';
import { connectionWorkflowId, orderWorkflowId, storeWorkflowId } from '../../contracts/ids';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'routes01';

/**
 * The connection routes on a store connection: each either does what it says for a store or refuses
 * with a reason; none answers 202 and does nothing, and none can start a FreshBooks connection workflow.
 */
describe('connection routes on a store connection', () => {
  let h: Harness;
  let conn: Awaited<ReturnType<typeof createStoreConnection>>;
  const polls = async () => (await h.workflows.storeStatus(conn.connectionId))?.polls ?? 0;
  const exists = (workflowId: string) => h.client.workflow.getHandle(workflowId).describe().then((d) => d.type, () => null);

  before(async () => {
    h = await startHarness({ bigcommerce: { seedOrders: 0, rateLimitQuota: 10_000, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    conn = await createStoreConnection(h, { storeHash: STORE });
    await eventually('first sweep', async () => (await polls()) >= 1 || undefined, 60_000);
  });
  after(async () => {
    await h?.close();
  });

  test('the store workflow has an id of its own; FreshBooks routes and webhooks refuse the store and start nothing', async () => {
    assert.equal(await exists(storeWorkflowId(conn.connectionId)), 'storeWorkflow');
    const form = new URLSearchParams({ name: 'invoice.create', object_id: '1', account_id: conn.accountId, business_id: '1' }).toString();
    const fb = await fetch(`${h.apiUrl}/webhooks/freshbooks/${conn.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(fb.status, 404, 'a FreshBooks webhook to a store connection');
    const verify = new URLSearchParams({ name: 'callback.verify', object_id: '1', verifier: 'x' }).toString();
    const fbVerify = await fetch(`${h.apiUrl}/webhooks/freshbooks/${conn.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: verify });
    assert.equal(fbVerify.status, 404, 'a FreshBooks verify post to a store connection');

    const redeliver = await h.admin(`/api/connections/${conn.connectionId}/redeliver`, { body: { entity: 'invoices', recordId: '1' } });
    assert.equal(redeliver.status, 409);
    assert.match(redeliver.body.error, /BigCommerce store/);
    const hooks = await h.admin(`/api/connections/${conn.connectionId}/webhooks`, { method: 'POST' });
    assert.equal(hooks.status, 409);
    assert.match(hooks.body.error, /sync/);
    assert.equal(await exists(connectionWorkflowId(conn.connectionId)), null, 'no FreshBooks connection workflow under the store connection id');
  });

  test('pause: no sweep on sync, order events start nothing; resume: the sweep catches up', async () => {
    const before = await polls();
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/pause`, { method: 'POST' })).status, 202);
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}`)).body.status, 'paused');
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/pause`, { method: 'POST' })).status, 202, 'pausing twice is no error');
    await eventually('the workflow paused', async () => (await h.workflows.storeStatus(conn.connectionId))?.phase === 'paused' || undefined);

    const order = h.bc.state.createOrder(STORE, {
      statusId: 11, billing: { email: 'paused@example.org', first_name: 'Paused', last_name: 'Buyer' },
      lines: [{ productId: 0, name: 'Mug', sku: 'MUG-P', price: 20, quantity: 1, type: 'physical' }], taxRate: 0, shipping: 0,
    }) as Record<string, any>;
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/sync`, { method: 'POST' })).status, 202);
    const hook = (h.bc.state.hooks(STORE) as any[]).find((x) => String(x.destination).endsWith(`/${conn.connectionId}`));
    const delivered = await fetch(`${h.apiUrl}/webhooks/bigcommerce/${conn.connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'X-Hook-Secret': hook.headers['X-Hook-Secret'] },
      body: JSON.stringify({ scope: 'store/order/statusUpdated', store_id: '1', data: { type: 'order', id: order.id }, hash: 'p1', created_at: Math.floor(Date.now() / 1000), producer: `stores/${STORE}` }),
    });
    assert.equal(delivered.status, 200, 'acknowledged while paused');
    assert.equal(((await delivered.json()) as { paused?: boolean }).paused, true);
    assert.equal(await exists(orderWorkflowId(STORE, order.id)), null, 'no order workflow started while paused');
    // The sync signal has been handled by the time a query after it is answered.
    const status = await h.workflows.storeStatus(conn.connectionId);
    assert.equal(status?.phase, 'paused');
    assert.equal(status?.polls, before, 'no sweep while paused');
    assert.equal(invoicesNumbered(h, conn.accountId, String(order.id)).length, 0);

    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/resume`, { method: 'POST' })).status, 202);
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}`)).body.status, 'active');
    await orderOutcome(h, conn.connectionId, order.id, (o) => o.state === 'invoiced');
    assert.equal(invoicesNumbered(h, conn.accountId, String(order.id)).length, 1, 'the order changed while paused is invoiced once after resuming');
    assert.ok((await polls()) > before);
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/resume`, { method: 'POST' })).status, 202, 'resuming twice is no error');
  });

  test('re-authorizing the grant resumes the store by sweeping it, and starts no FreshBooks connection workflow', async () => {
    const before = await polls();
    const start = await h.admin('/api/freshbooks/authorizations', { body: { reauthorizeGrantId: conn.grantId } });
    assert.equal(start.status, 201);
    const callback = (await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!;
    const done = await (await fetch(callback)).json() as { reauthorized: string[] };
    assert.deepEqual(done.reauthorized, [conn.connectionId]);
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}`)).body.status, 'active');
    await eventually('a sweep after re-authorization', async () => (await polls()) > before || undefined, 60_000);
    assert.equal(await exists(connectionWorkflowId(conn.connectionId)), null, 'no FreshBooks connection workflow under the store connection id');
  });

  test('a store workflow still running under the old id (connection/<id>) is retired by the next sync, without removing hooks', async () => {
    const legacy = await h.client.workflow.start('storeWorkflow', {
      workflowId: connectionWorkflowId(conn.connectionId), taskQueue: h.env.TEMPORAL_TASK_QUEUE!, args: [{ connectionId: conn.connectionId }],
    });
    const hooks = () => (h.bc.state.hooks(STORE) as any[]).filter((x) => String(x.destination).endsWith(`/${conn.connectionId}`)).length;
    const before = hooks();
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/sync`, { method: 'POST' })).status, 202);
    assert.equal((await legacy.describe()).status.name, 'TERMINATED');
    assert.equal((await h.client.workflow.getHandle(storeWorkflowId(conn.connectionId)).describe()).status.name, 'RUNNING');
    assert.equal(hooks(), before, 'the hooks stay');
  });

  test('delete stops the store workflow', async () => {
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}`, { method: 'DELETE' })).status, 204);
    await eventually('the store workflow ended', async () => {
      const d = await h.client.workflow.getHandle(storeWorkflowId(conn.connectionId)).describe();
      return d.status.name === 'COMPLETED' || undefined;
    }, 60_000);
    // The only run under the old id is the retired one above: nothing started one again.
    const old = await h.client.workflow.getHandle(connectionWorkflowId(conn.connectionId)).describe();
    assert.equal(old.status.name, 'TERMINATED');
  });
});
