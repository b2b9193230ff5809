import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { COMPARED, sourceAmounts, warehouseFigures } from '../support/warehouse-checks';

/**
 * After the initial backfill, changes made in FreshBooks arrive through an incremental run:
 * creates, updates (two of them in the repeated 01:xx hour of the US/Eastern fall-back, whose
 * `updated` wall times are identical), deletes and archives. The latest-state views keep exactly one
 * row per record and match the source again.
 */
describe('incremental sync (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  const datasetId = 'it_incremental';
  before(async () => { h = await startHarness(); });
  after(async () => { await h.close(); });

  test('creates, updates across a DST change, deletes and archives reach the latest views exactly once', async () => {
    const fb = h.fb.state;
    fb.setClock('2027-11-06T16:00:00Z');
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId });
    await waitForRuns(h, connectionId, 1);

    const invoices = fb.list(accountId, 'invoices', { per_page: '100' }).items as { id: number; customerid: number; vis_state: number }[];
    const live = invoices.filter((i) => i.vis_state === 0);
    const [toUpdate, toDelete] = live;
    const client = (fb.list(accountId, 'clients', { per_page: '100' }).items as { id: number; vis_state: number }[]).find((c) => c.vis_state === 0)!;
    const payment = (fb.list(accountId, 'payments', { per_page: '100' }).items as { id: number; vis_state: number }[]).find((p) => p.vis_state === 0)!;

    // 01:30 EDT (05:30Z), the first pass through the repeated hour.
    fb.setClock('2027-11-07T05:30:00Z');
    const created = fb.create(accountId, 'invoices', {
      customerid: toUpdate.customerid, create_date: '2027-11-07', currency_code: 'USD',
      lines: [{ name: 'Retainer', qty: '1', unit_cost: { amount: '1234.56', code: 'USD' } }],
    }) as { id: number };
    fb.update(accountId, 'invoices', toUpdate.id, { notes: 'first edit (EDT)' });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);

    // 01:30 EST (06:30Z): the same wall-clock text as the edit above, an hour later.
    fb.setClock('2027-11-07T06:30:00Z');
    fb.update(accountId, 'invoices', toUpdate.id, { notes: 'second edit (EST)' });
    fb.delete(accountId, 'invoices', toDelete.id);
    fb.archive(accountId, 'clients', client.id);
    fb.delete(accountId, 'payments', payment.id);
    const sync = await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    assert.equal(sync.status, 202);
    await waitForRuns(h, connectionId, 3);

    const wh = emulatorWarehouse(h, datasetId);
    const fq = (t: string) => `\`ml-connector-dev.${datasetId}.freshbooks_${t}_latest\``;
    const [edited] = await wh.query<{ notes: string; n: number }>(`SELECT ANY_VALUE(notes) AS notes, COUNT(*) AS n FROM ${fq('invoices')} WHERE id = ${toUpdate.id}`);
    assert.equal(edited.notes, 'second edit (EST)');
    assert.equal(Number(edited.n), 1);
    const [createdRow] = await wh.query<{ amount: string; lines: number }>(
      `SELECT CAST(i.amount AS STRING) AS amount, (SELECT COUNT(*) FROM ${fq('invoice_lines')} l WHERE l.invoice_id = i.id) AS lines FROM ${fq('invoices')} i WHERE i.id = ${created.id}`);
    assert.match(String(createdRow.amount), /^1234\.56?0*$/);
    assert.equal(Number(createdRow.lines), 1);
    const [deleted] = await wh.query<{ is_deleted: boolean }>(`SELECT is_deleted FROM ${fq('invoices')} WHERE id = ${toDelete.id}`);
    assert.equal(deleted.is_deleted, true);
    const [archived] = await wh.query<{ is_archived: boolean }>(`SELECT is_archived FROM ${fq('clients')} WHERE id = ${client.id}`);
    assert.equal(archived.is_archived, true);
    const [deletedPayment] = await wh.query<{ is_deleted: boolean }>(`SELECT is_deleted FROM ${fq('payments')} WHERE id = ${payment.id}`);
    assert.equal(deletedPayment.is_deleted, true);

    const totals = fb.totals(accountId);
    for (const { table, source, amountColumn } of COMPARED) {
      const got = await warehouseFigures(wh, datasetId, table, amountColumn);
      assert.equal(got.count, totals.entities[source].count, `${table}: row count`);
      assert.equal(got.distinctKeys, got.count, `${table}: exactly one row per record`);
      if (amountColumn) assert.deepEqual(got.amounts, sourceAmounts(totals.entities[source].amounts), `${table}: money per currency`);
    }

    // Incremental runs read little and deliver only what changed.
    const runs = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { mode: string; stats: Record<string, { delivered: number }> }[];
    const last = runs[0];
    assert.equal(last.mode, 'incremental:manual');
    assert.equal(last.stats.invoices.delivered, 2, 'the edited and the deleted invoice');
    assert.equal(last.stats.clients.delivered, 1);
  });

  test('soft deletes that leave `updated` alone are found by the next incremental run, and sent once', async () => {
    const fb = h.fb.state;
    const datasetId = 'it_incremental_deletes';
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId, businessIndex: 1, settings: { entities: ['invoices', 'payments'] } });
    await waitForRuns(h, connectionId, 1);

    type Listed = { id: number; updated: string };
    const byUpdated = (entity: 'invoices' | 'payments', sort: string) => fb.list(accountId, entity, { per_page: '100', sort, 'search[vis_state]': '0' }).items as Listed[];
    const invoices = byUpdated('invoices', 'updated_asc').slice(0, 3);
    const payments = byUpdated('payments', 'updated_asc').slice(0, 2);
    const newest = (entity: 'invoices' | 'payments') => Date.parse(byUpdated(entity, 'updated_desc')[0]!.updated);
    // Well outside the incremental window, which starts a day before the newest `updated` delivered.
    for (const [entity, rows] of [['invoices', invoices], ['payments', payments]] as const) {
      for (const r of rows) assert.ok(newest(entity) - Date.parse(r.updated) > 3 * 86_400_000, `${entity} ${r.id} updated ${r.updated}`);
    }
    for (const i of invoices) fb.delete(accountId, 'invoices', i.id, { keepUpdated: true });
    for (const p of payments) fb.delete(accountId, 'payments', p.id, { keepUpdated: true });
    for (const p of payments) assert.equal((fb.get(accountId, 'payments', p.id) as Listed).updated, p.updated, 'the delete left updated alone');

    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    const wh = emulatorWarehouse(h, datasetId);
    const fq = (t: string) => `\`ml-connector-dev.${datasetId}.freshbooks_${t}_latest\``;
    for (const [entity, rows] of [['invoices', invoices], ['payments', payments]] as const) {
      const got = await wh.query<{ id: number; is_deleted: boolean }>(`SELECT id, is_deleted FROM ${fq(entity)} WHERE id IN (${rows.map((r) => r.id).join(', ')}) ORDER BY id`);
      assert.deepEqual(got.map((g) => [Number(g.id), g.is_deleted]), rows.map((r) => [r.id, true]).sort((a, b) => Number(a[0]) - Number(b[0])), `${entity} deleted within one poll`);
    }

    // Every poll reads all deleted records again; the ledger keeps them from being sent twice.
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 3);
    const runs = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { stats: Record<string, { records: number; delivered: number }> }[];
    assert.ok(runs[0].stats.invoices.records >= invoices.length, 'the deleted pass read them again');
    assert.equal(runs[0].stats.invoices.delivered, 0);
    assert.equal(runs[0].stats.payments.delivered, 0);
  });

  test('a later edit in the repeated fall-back hour wins although its Eastern `updated` converts to an earlier instant', async () => {
    const fb = h.fb.state;
    const datasetId = 'it_incremental_dst';
    fb.setClock('2028-11-04T12:00:00Z');
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId, businessIndex: 1, settings: { entities: ['invoices'] } });
    await waitForRuns(h, connectionId, 1);
    const invoice = (fb.list(accountId, 'invoices', { per_page: '100', 'search[vis_state]': '0' }).items as { id: number }[])[0]!;

    // 01:50 EDT (05:50Z), then 01:10 EST (06:10Z): twenty minutes later, but "01:10" < "01:50" on the wall.
    fb.setClock('2028-11-05T05:50:00Z');
    fb.update(accountId, 'invoices', invoice.id, { notes: 'edit at 01:50 EDT' });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    fb.setClock('2028-11-05T06:10:00Z');
    fb.update(accountId, 'invoices', invoice.id, { notes: 'edit at 01:10 EST' });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 3);

    const wh = emulatorWarehouse(h, datasetId);
    const table = `\`ml-connector-dev.${datasetId}.freshbooks_invoices\``;
    const versions = await wh.query<{ updated_raw: string }>(`SELECT updated_raw FROM ${table} WHERE id = ${invoice.id} AND notes LIKE 'edit at %' ORDER BY _synced_at`);
    assert.deepEqual(versions.map((v) => v.updated_raw), ['2028-11-05 01:50:00', '2028-11-05 01:10:00']);
    const latest = await wh.query<{ notes: string }>(`SELECT notes FROM \`ml-connector-dev.${datasetId}.freshbooks_invoices_latest\` WHERE id = ${invoice.id}`);
    assert.deepEqual(latest.map((r) => r.notes), ['edit at 01:10 EST']);
  });
});
