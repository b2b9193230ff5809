import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TABLES } from '../../mapping/freshbooks';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';
import { startHarness, EMULATOR_PROJECT, type Harness } from '../support/harness';
import {
  createBigQueryConnection, createPowerBiConnection, createStoreConnection, eventually, invoicesNumbered, orderOutcome, powerBiRows, waitForRuns,
} from '../support/flows';

/** A store of its own: order workflow ids are global to the Temporal namespace the test files share. */
const STORE = 'outage01';
const DATASET = 'it_outage';
/** How long every destination stays down. The issue asks for five minutes (300); the suite's default is shorter
 * but longer than the first several retry waits (2, 4, … 64 s) together, so it cannot pass unseen between attempts. */
const OUTAGE_SEC = Number(process.env.FAULT_OUTAGE_SECONDS ?? 60);
/** Plenty: the outage's faults are cleared, not counted down. */
const FOREVER = 1_000_000_000;

/**
 * Every destination down at once while changes keep coming: BigQuery answers 503, Power BI 500, and
 * FreshBooks 503 for the business BigCommerce orders are written to. Deliveries wait in their activities'
 * retries (with backoff), the connections' and orders' status show the failure while it lasts, and once the
 * destinations are back every change arrives exactly once: one new version per changed invoice in
 * BigQuery and Power BI, one invoice with its payments per order.
 */
describe(`destinations down for ${OUTAGE_SEC} s while webhooks and orders keep arriving (real Temporal, Postgres, sandboxes)`, () => {
  let h: Harness;
  let pbi: string;
  let bq: string;
  let store: { connectionId: string; accountId: string };
  let accountId: string;
  type Invoice = { id: number; vis_state: number };

  const pbiRows = (id: number) => powerBiRows(h, 'Invoices').filter((r) => r.InvoiceId === id);
  const bqRows = (id: number) => h.google.state.rows(DATASET, TABLES.invoices.defaultName, EMULATOR_PROJECT).filter((r) => String(r.id) === String(id));

  before(async () => {
    h = await startHarness({ bigquery: 'sandbox', bigcommerce: { seedOrders: 0, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    ({ connectionId: pbi, accountId } = await createPowerBiConnection(h));
    ({ connectionId: bq } = await createBigQueryConnection(h, { datasetId: DATASET, settings: { webhooks: true } }));
    await waitForRuns(h, pbi, 1);
    await waitForRuns(h, bq, 1);
    await eventually('callbacks verified', () => {
      const all = [...h.fb.state.webhooks.callbacks.values()];
      const of = (id: string) => all.filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${id}`));
      return [pbi, bq].every((id) => of(id).some((c) => c.event === 'invoice') && of(id).every((c) => c.verified)) || undefined;
    }, 60_000);
    // The second business: FreshBooks failing as the orders' write target is not the source of the others failing.
    store = await createStoreConnection(h, { storeHash: STORE, businessIndex: 1 });
    assert.notEqual(store.accountId, accountId);
    await eventually('store hooks registered', () => h.bc.state.hooks(STORE).length >= 4 || undefined, 60_000);
  });
  after(async () => { await h?.close(); });

  test('deliveries retry with backoff, status shows the failure, and everything arrives exactly once afterwards', { timeout: (OUTAGE_SEC + 420) * 1000 }, async (t) => {
    const live = (h.fb.state.list(accountId, 'invoices', { per_page: '100' }).items as Invoice[]).filter((i) => i.vis_state === 0);
    const changes = 6;
    assert.ok(live.length >= changes);
    const changed = live.slice(0, changes).map((i) => ({ id: i.id, pbi: pbiRows(i.id).length, bq: bqRows(i.id).length }));
    const orders: number[] = [];
    const seen = { pbi: '', bq: '', order: '' };
    const requests = { bq: h.google.state.stats.faultsInjected, pbi: h.powerbi.state.stats.faultsInjected, fb: h.fb.state.stats.serverErrors };

    h.google.state.injectFaults({ scope: 'bigquery', status: 503, count: FOREVER });
    h.powerbi.state.injectFaults([{ scope: 'api', status: 500, count: FOREVER }]);
    h.fb.state.injectFaults({ status5xx: { count: FOREVER, status: 503, pathContains: `/accounting/account/${store.accountId}/` } });
    const outageStart = Date.now();
    const outageEnd = outageStart + OUTAGE_SEC * 1000;

    // While it lasts: a change and an order at even intervals, and status read every second.
    const retryingError = async (path: string) => {
      const v = await h.admin(path);
      const r = (v.body?.retrying ?? []) as { activity: string; attempt: number; lastError: string }[];
      return r.length > 0 ? `${r[0]!.activity} attempt ${r[0]!.attempt}: ${r[0]!.lastError}` : '';
    };
    let next = 0;
    while (Date.now() < outageEnd) {
      if (next < changes && Date.now() >= outageStart + (next * OUTAGE_SEC * 1000) / changes) {
        h.fb.state.update(accountId, 'invoices', changed[next]!.id, { notes: `changed during the outage (${next})` });
        const o = h.bc.state.createOrder(STORE, {
          statusId: 11, billing: { email: `outage.${next}@example.org`, first_name: 'Otto', last_name: `Outage${next}` },
          lines: [{ productId: 0, name: 'Headlamp', sku: 'LAMP-1', price: 10 + next, quantity: 1, type: 'physical' }],
        }) as { id: number };
        orders.push(o.id);
        next += 1;
      }
      seen.pbi ||= await retryingError(`/api/connections/${pbi}`);
      seen.bq ||= await retryingError(`/api/connections/${bq}`);
      for (const id of orders) seen.order ||= await retryingError(`/api/connections/${store.connectionId}/orders/${id}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // Nothing got through while the destinations were down.
    for (const c of changed) {
      assert.equal(pbiRows(c.id).length, c.pbi, 'no Power BI row during the outage');
      assert.equal(bqRows(c.id).length, c.bq, 'no BigQuery row during the outage');
    }
    for (const id of orders) assert.equal(invoicesNumbered(h, store.accountId, String(id)).length, 0, 'no invoice during the outage');
    assert.match(seen.pbi, /500|InternalServerError|SandboxInjectedFault|server/i, `Power BI connection status showed the failure: ${seen.pbi}`);
    assert.match(seen.bq, /503|backendError|unavailable/i, `BigQuery connection status showed the failure: ${seen.bq}`);
    assert.match(seen.order, /503|unavailable/i, `order status showed the failure: ${seen.order}`);
    assert.ok(h.google.state.stats.faultsInjected - requests.bq >= 3, 'BigQuery was retried');
    assert.ok(h.powerbi.state.stats.faultsInjected - requests.pbi >= 3, 'Power BI was retried');
    assert.ok(h.fb.state.stats.serverErrors - requests.fb >= 3, 'FreshBooks was retried');

    h.google.state.clearFaults();
    h.powerbi.state.clearFaults();
    h.fb.state.clearFaults();
    const back = Date.now();

    // The longest wait between attempts is 2 minutes (orders: 1 minute, then their own 1-minute backoff).
    const recovery = 200_000;
    for (const c of changed) {
      await eventually(`Power BI row of invoice ${c.id}`, () => pbiRows(c.id).length > c.pbi || undefined, recovery);
      await eventually(`BigQuery row of invoice ${c.id}`, () => bqRows(c.id).length > c.bq || undefined, recovery);
    }
    for (const id of orders) await orderOutcome(h, store.connectionId, id, (o) => o.state === 'invoiced', recovery);
    const recoveredMs = Date.now() - back;
    // Let a duplicate, if any, land.
    await new Promise((r) => setTimeout(r, 3_000));

    for (const c of changed) {
      assert.equal(pbiRows(c.id).length, c.pbi + 1, `one new Power BI row for invoice ${c.id}`);
      const rows = bqRows(c.id);
      assert.equal(rows.length, c.bq + 1, `one new BigQuery row for invoice ${c.id}`);
      assert.equal(new Set(rows.map((r) => r._version)).size, rows.length, 'no version twice in BigQuery');
    }
    for (const id of orders) {
      const invoices = invoicesNumbered(h, store.accountId, String(id));
      assert.equal(invoices.length, 1, `exactly one invoice for order ${id}`);
      const payments = h.fb.state.list(store.accountId, 'payments', { 'search[invoiceid]': String(invoices[0]!.id) }).items as unknown[];
      assert.equal(payments.length, 1, `one payment for order ${id}`);
    }
    // Afterwards nothing is left retrying and the webhook path reports no error.
    await eventually('status clear', async () => (!(await retryingError(`/api/connections/${pbi}`)) && !(await retryingError(`/api/connections/${bq}`))) || undefined, 30_000);
    t.diagnostic(`outage ${OUTAGE_SEC} s: status showed "${seen.pbi.slice(0, 120)}" / "${seen.bq.slice(0, 120)}" / "${seen.order.slice(0, 120)}"; `
      + `everything arrived ${(recoveredMs / 1000).toFixed(1)} s after the destinations came back`);
  });
});
