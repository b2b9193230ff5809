import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { COMPARED, sourceAmounts, warehouseFigures } from '../support/warehouse-checks';

describe('FreshBooks → BigQuery full backfill (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h.close(); });

  test('every record type lands completely: counts and sums per currency equal the source', async () => {
    const datasetId = 'it_backfill';
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId });
    await waitForRuns(h, connectionId, 1);
    const totals = h.fb.state.totals(accountId);
    const wh = emulatorWarehouse(h, datasetId);
    for (const { table, source, amountColumn } of COMPARED) {
      const expected = totals.entities[source];
      const got = await warehouseFigures(wh, datasetId, table, amountColumn);
      assert.equal(got.count, expected.count, `${table}: row count`);
      assert.equal(got.distinctKeys, expected.count, `${table}: one row per record`);
      if (amountColumn) assert.deepEqual(got.amounts, sourceAmounts(expected.amounts), `${table}: sum of ${amountColumn} per currency`);
    }
  });

  test('deleted and archived records are carried with flags, and every row names its account and business', async () => {
    const datasetId = 'it_backfill';
    const wh = emulatorWarehouse(h, datasetId);
    const [inv] = await wh.query<{ deleted: number; archived: number; missing_ids: number }>(
      `SELECT COUNTIF(is_deleted) AS deleted, COUNTIF(is_archived) AS archived, COUNTIF(account_id IS NULL OR business_id IS NULL) AS missing_ids
         FROM \`ml-connector-dev.${datasetId}.freshbooks_invoices_latest\``);
    const accountId = h.fb.state.accountIds()[0];
    const byVis = h.fb.state.totals(accountId).entities.invoices.byVisState;
    assert.equal(Number(inv.deleted), byVis['1'].count);
    assert.equal(Number(inv.archived), byVis['2'].count);
    assert.equal(Number(inv.missing_ids), 0);
    const statuses = await wh.query<{ status: string }>(`SELECT DISTINCT status FROM \`ml-connector-dev.${datasetId}.freshbooks_invoices_latest\` ORDER BY status`);
    assert.ok(statuses.every((s) => /^[a-z][a-z_-]*$/.test(s.status)), `readable statuses: ${JSON.stringify(statuses)}`);
  });
});
