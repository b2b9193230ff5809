import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { startHarness, EMULATOR_PROJECT, type Harness } from '../support/harness';
import {
  createBigQueryConnection, createPostgresConnection, createPowerBiConnection, powerBiRows, createStoreConnection, emulatorWarehouse, eventually, orderOutcome, waitForRuns, warehouseDatabaseUrl,
} from '../support/flows';
import type { EntityReconciliation, ReconciliationReport } from '../../contracts/reconciliation';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';
import { orderWorkflowId } from '../../contracts/ids';
import { orderStatusQuery } from '../../contracts/order';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'recon01';

/**
 * The reconciliation report against real Temporal, Postgres, the FreshBooks and BigCommerce sandboxes
 * and the BigQuery emulator: clean after a backfill, a row removed from the warehouse by hand is listed,
 * a record deleted outright at FreshBooks (no webhook) is tombstoned and the next report is clean, and a
 * store's paid orders are held against their invoices per day.
 */
describe('reconciliation report', () => {
  let h: Harness;
  before(async () => { h = await startHarness({ bigcommerce: { seedOrders: 0, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } }); });
  after(async () => { await h?.close(); });

  const reconcile = async (connectionId: string): Promise<ReconciliationReport> => {
    const res = await h.admin(`/api/connections/${connectionId}/reconcile`, { method: 'POST', body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const entityOf = (r: ReconciliationReport, entity: string): EntityReconciliation => {
    const e = r.entities.find((x) => x.entity === entity);
    assert.ok(e, `${entity} in ${JSON.stringify(r.entities.map((x) => x.entity))}`);
    return e;
  };
  const activeInvoiceIds = (accountId: string): number[] => h.fb.state.list(accountId, 'invoices', new URLSearchParams('per_page=100')).items.map((i: any) => Number(i.id));

  function assertClean(report: ReconciliationReport, method: 'queried' | 'ledger') {
    assert.equal(report.status, 'clean', JSON.stringify(report.entities.filter((e) => e.sourceCount !== e.destinationCount || e.missingInDestination.length || e.extraInDestination.length)));
    const invoices = entityOf(report, 'invoices');
    assert.equal(invoices.method, method);
    assert.ok(invoices.sourceCount > 0);
    assert.equal(invoices.destinationCount, invoices.sourceCount);
    if (method === 'queried') {
      const amounts = invoices.sums.filter((s) => s.column === 'amount');
      assert.ok(amounts.length > 0, 'invoice totals are summed per currency');
      for (const s of invoices.sums) assert.equal(s.destination, s.source, `${s.column} ${s.currency}`);
    }
    // One `total` request per entity, plus the id walk (pages of 100) of these small entities.
    assert.ok(report.sourceRequests >= report.entities.length, `sourceRequests ${report.sourceRequests}`);
  }

  let bq: { connectionId: string; accountId: string };
  const datasetId = 'it_reconcile';

  test('BigQuery: clean after the backfill, made by the workflow after the full run and again on demand', async () => {
    bq = await createBigQueryConnection(h, { datasetId });
    await waitForRuns(h, bq.connectionId, 1);
    const after = await h.admin(`/api/connections/${bq.connectionId}/reconciliation`);
    assert.equal(after.status, 200, 'the full run made a report');
    assert.equal(after.body.trigger, 'full_reconciliation');
    assertClean(after.body, 'queried');

    const onDemand = await reconcile(bq.connectionId);
    assert.equal(onDemand.trigger, 'on_demand');
    assertClean(onDemand, 'queried');
    const latest = await h.admin(`/api/connections/${bq.connectionId}/reconciliation`);
    assert.equal(latest.body.id, onDemand.id);
  });

  test('BigQuery: a record deleted outright at FreshBooks (no webhook) is confirmed by a GET, tombstoned, and the next report is clean', async () => {
    const victim = activeInvoiceIds(bq.accountId)[3]!;
    const amount = h.fb.state.get(bq.accountId, 'invoices', victim)!.amount as { amount: string; code: string };
    h.fb.state.purge(bq.accountId, 'invoices', victim);

    const found = await reconcile(bq.connectionId);
    assert.equal(found.status, 'differences');
    const invoices = entityOf(found, 'invoices');
    assert.equal(invoices.destinationCount, invoices.sourceCount + 1);
    assert.deepEqual(invoices.extraInDestination, [String(victim)]);
    assert.deepEqual(invoices.tombstoned, [String(victim)]);
    assert.deepEqual(invoices.missingInDestination, []);
    const sum = invoices.sums.find((s) => s.column === 'amount' && s.currency === amount.code)!;
    assert.notEqual(sum.destination, sum.source, 'the deleted invoice still counted in the warehouse');

    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    assert.match(metrics, new RegExp(`ml_connector_reconciliation_differences\\{connection_id="${bq.connectionId}",entity="invoices"\\} [1-9]\\d*\\b`));
    assert.match(metrics, new RegExp(`ml_connector_reconciliation_status\\{connection_id="${bq.connectionId}",status="differences"\\} 1\\b`));

    const next = await reconcile(bq.connectionId);
    assertClean(next, 'queried');
    const [row] = await emulatorWarehouse(h, datasetId).query<{ is_deleted: boolean; n: number }>(
      `SELECT is_deleted FROM \`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoices_latest\` WHERE id = ${victim}`);
    assert.equal(row?.is_deleted, true, 'the latest view shows the record deleted');
    const lines = await emulatorWarehouse(h, datasetId).query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM \`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoice_lines_latest\` WHERE invoice_id = ${victim}`);
    assert.equal(Number(lines[0]!.n), 0, 'its lines are gone from the latest lines view');
    const metricsAfter = await (await fetch(`${h.apiUrl}/metrics`)).text();
    assert.match(metricsAfter, new RegExp(`ml_connector_reconciliation_differences\\{connection_id="${bq.connectionId}",entity="invoices"\\} 0\\b`));
  });

  test('BigQuery: a record removed from the warehouse by hand is listed as missing there', async () => {
    const victim = activeInvoiceIds(bq.accountId)[5]!;
    await emulatorWarehouse(h, datasetId).query(`DELETE FROM \`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoices\` WHERE id = ${victim}`);
    const report = await reconcile(bq.connectionId);
    assert.equal(report.status, 'differences');
    const invoices = entityOf(report, 'invoices');
    assert.deepEqual(invoices.missingInDestination, [String(victim)]);
    assert.deepEqual(invoices.extraInDestination, []);
    assert.deepEqual(invoices.tombstoned, []);
    assert.equal(invoices.destinationCount, invoices.sourceCount - 1);
    assert.equal(entityOf(report, 'payments').missingInDestination.length, 0, 'other entities unaffected');
  });

  test('Postgres warehouse: clean after the backfill', async () => {
    const url = await warehouseDatabaseUrl();
    const pg = await createPostgresConnection(h, { url, businessIndex: 1 });
    await waitForRuns(h, pg.connectionId, 1);
    assertClean(await reconcile(pg.connectionId), 'queried');
    // Removed by hand there too: listed.
    const pool = new Pool({ connectionString: url });
    try {
      const victim = activeInvoiceIds(pg.accountId)[0]!;
      await pool.query(`DELETE FROM freshbooks.freshbooks_invoices WHERE id = $1`, [victim]);
      const report = await reconcile(pg.connectionId);
      assert.deepEqual(entityOf(report, 'invoices').missingInDestination, [String(victim)]);
    } finally {
      await pool.end();
    }
  });

  test('Power BI (cannot be read back): counted from the delivery ledger; a record deleted outright gets an IsDeleted row and the next report is clean', async () => {
    const pbi = await createPowerBiConnection(h, { businessIndex: 1 });
    await waitForRuns(h, pbi.connectionId, 1);
    const first = await h.admin(`/api/connections/${pbi.connectionId}/reconciliation`);
    assert.equal(first.status, 200);
    assertClean(first.body, 'ledger');
    assert.deepEqual(entityOf(first.body, 'invoices').sums, [], 'no sums where the destination cannot be queried');

    const victim = activeInvoiceIds(pbi.accountId)[2]!;
    h.fb.state.purge(pbi.accountId, 'invoices', victim);
    const found = await reconcile(pbi.connectionId);
    const invoices = entityOf(found, 'invoices');
    assert.equal(found.status, 'differences');
    assert.deepEqual(invoices.extraInDestination, [String(victim)]);
    assert.deepEqual(invoices.tombstoned, [String(victim)]);
    assert.ok(powerBiRows(h, 'Invoices').some((r) => r.InvoiceId === victim && r.IsDeleted === true), 'a tombstone row reached the dataset');
    assertClean(await reconcile(pbi.connectionId), 'ledger');
  });

  test('unknown connection 404, no report yet 404, malformed body 400, no token 401, paused 409, no body = {}', async () => {
    assert.equal((await h.admin('/api/connections/conn_doesnotexist/reconcile', { method: 'POST', body: {} })).status, 404);
    const res = await h.admin('/api/connections/conn_doesnotexist/reconciliation');
    assert.equal(res.status, 404);
    assert.equal((await h.admin(`/api/connections/${bq.connectionId}/reconcile`, { method: 'POST', body: { entity: 'x' } })).status, 400);
    const anon = await fetch(`${h.apiUrl}/api/connections/${bq.connectionId}/reconciliation`);
    assert.equal(anon.status, 401);
    assert.equal((await fetch(`${h.apiUrl}/api/connections/${bq.connectionId}/reconcile`, { method: 'POST' })).status, 401);
    // Paused: nothing is delivered meanwhile, so a report would only show the pause.
    assert.equal((await h.admin(`/api/connections/${bq.connectionId}/pause`, { method: 'POST', body: {} })).status, 202);
    const paused = await h.admin(`/api/connections/${bq.connectionId}/reconcile`, { method: 'POST', body: {} });
    assert.equal(paused.status, 409);
    assert.match(paused.body.error, /paused/);
    assert.equal((await h.admin(`/api/connections/${bq.connectionId}/resume`, { method: 'POST', body: {} })).status, 202);
    // No body at all is the same as `{}`.
    const bare = await fetch(`${h.apiUrl}/api/connections/${bq.connectionId}/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } });
    assert.equal(bare.status, 200);
  });

  test('store connection: paid orders against the invoices made from them, per day and currency, with the missing order ids', async () => {
    const store = await createStoreConnection(h, { storeHash: STORE });
    const none = await h.admin(`/api/connections/${store.connectionId}/reconciliation`);
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { error: 'no reconciliation report yet' });
    await eventually('hooks registered', () => h.bc.state.hooks(STORE).length >= 4 || undefined);
    const p = h.bc.state.createProduct(STORE, { name: 'Mug', sku: 'MUG-1', price: 12.5, variants: [{ sku: 'MUG-1-W', options: { Colour: 'White' } }] }) as any;
    const line = { productId: p.id, variantId: p.variants[0].id, name: 'Mug', sku: 'MUG-1-W', price: 12.5, quantity: 2 };
    const orders = [h.bc.state.createOrder(STORE, { statusId: 11, lines: [line] }) as any, h.bc.state.createOrder(STORE, { statusId: 11, lines: [line] }) as any];
    const outcomes = [];
    for (const o of orders) outcomes.push(await orderOutcome(h, store.connectionId, Number(o.id), (x) => x.state === 'invoiced'));

    const clean = await reconcile(store.connectionId);
    assert.equal(clean.status, 'clean', JSON.stringify(clean.orderDays));
    assert.equal(clean.entities.length, 0);
    const today = new Date().toISOString().slice(0, 10);
    const day = clean.orderDays!.find((d) => d.day === today)!;
    assert.ok(day, JSON.stringify(clean.orderDays));
    assert.equal(day.paidOrders, 2);
    assert.equal(day.invoices, 2);
    assert.equal(day.paidTotal, day.invoicedTotal);
    assert.equal(Number(day.paidTotal), outcomes.reduce((s, o) => s + Number(o.total), 0));

    // An order whose invoice is lost (its outcome records none): the report names it. Both orders' runs are
    // idle first: a pass still running for a later hook would write the outcome back over the change below.
    for (const o of orders) {
      await eventually(`order ${o.id} idle`, async () => (await h.client.workflow.getHandle(orderWorkflowId(STORE, Number(o.id))).query(orderStatusQuery)).phase === 'waiting' || undefined);
    }
    await h.db.query(`UPDATE bigcommerce_orders SET invoice_id = NULL, state = 'failed' WHERE connection_id = $1 AND order_id = $2`, [store.connectionId, orders[1].id]);
    const missing = await reconcile(store.connectionId);
    assert.equal(missing.status, 'differences');
    const d2 = missing.orderDays!.find((d) => d.day === today)!;
    assert.equal(d2.paidOrders, 2);
    assert.equal(d2.invoices, 1);
    assert.deepEqual(d2.missingInvoices, [Number(orders[1].id)]);
  });
});
