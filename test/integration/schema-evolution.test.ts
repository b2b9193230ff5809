import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, EMULATOR_PROJECT, type Harness } from '../support/harness';
import { createBigQueryConnection, waitForRuns } from '../support/flows';
import { TABLES } from '../../mapping/freshbooks';

/**
 * A field FreshBooks starts sending becomes a new NULLABLE column; nothing is renamed or dropped.
 * Runs against the BigQuery sandbox: the goccy emulator cannot write to columns added by tables.patch.
 */
describe('schema evolution (real Temporal, Postgres, BigQuery sandbox)', () => {
  let h: Harness;
  before(async () => { h = await startHarness({ bigquery: 'sandbox' }); });
  after(async () => { await h.close(); });

  test('a new FreshBooks field is appended as a NULLABLE column and its value lands', async () => {
    const datasetId = 'it_schema';
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId, settings: { entities: ['invoices'] } });
    await waitForRuns(h, connectionId, 1);
    const table = () => h.google.state.findTable(datasetId, TABLES.invoices.defaultName, EMULATOR_PROJECT)!;
    const columnsBefore = table().fields.map((f) => ({ name: f.name, type: f.type, mode: f.mode ?? 'NULLABLE' }));
    assert.ok(columnsBefore.length >= TABLES.invoices.columns.length);
    assert.ok(columnsBefore.every((c) => c.mode === 'NULLABLE'), 'every column is NULLABLE');

    const invoice = (h.fb.state.list(accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0];
    h.fb.state.update(accountId, 'invoices', invoice.id, { payment_terms_label: 'Net 45', late_fee_enabled: true });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);

    const after = table().fields.map((f) => ({ name: f.name, type: f.type, mode: f.mode ?? 'NULLABLE' }));
    assert.deepEqual(after.slice(0, columnsBefore.length), columnsBefore, 'existing columns untouched, in place');
    const added = after.slice(columnsBefore.length);
    assert.deepEqual(added.map((c) => c.name).sort(), ['late_fee_enabled', 'payment_terms_label']);
    assert.ok(added.every((c) => c.mode === 'NULLABLE'));
    const rows = h.google.state.rows(datasetId, TABLES.invoices.defaultName, EMULATOR_PROJECT).filter((r) => r.id === invoice.id || r.id === String(invoice.id));
    const newest = rows[rows.length - 1];
    assert.equal(newest.payment_terms_label, 'Net 45');
    assert.ok(newest.late_fee_enabled === true || newest.late_fee_enabled === 'true');
  });
});
