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
});
