import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TABLEAU_TABLES, payloadTables, tableauChanges, updateActions } from '../../../mapping/tableau';

const ctx = { accountId: 'acc', businessId: 7, syncedAt: '2026-01-02T03:04:05Z', batchId: 'b1' };
const invoice = (over: Record<string, unknown> = {}) => ({
  id: 11, invoice_number: 'A-1', customerid: 5, organization: 'Acme', currency_code: 'EUR', amount: { amount: '10.55', code: 'EUR' },
  create_date: '2026-03-02', updated: '2026-03-02 10:11:12', vis_state: 0, status: 2,
  lines: [
    { lineid: 1, name: 'Design', qty: '2', unit_cost: { amount: '5.25', code: 'EUR' }, amount: { amount: '10.50', code: 'EUR' } },
    { lineid: 2, name: 'Fee', qty: '1', unit_cost: { amount: '0.05', code: 'EUR' }, amount: { amount: '0.05', code: 'EUR' } },
  ],
  ...over,
});

describe('Tableau mapping', () => {
  test('money is NUMERIC(p,s), never bare NUMERIC; every table has its key columns', () => {
    for (const t of Object.values(TABLEAU_TABLES)) {
      for (const c of t.columns) if (c.type === 'NUMERIC') assert.ok(c.precision && c.scale !== undefined, `${t.name}.${c.name}`);
      for (const k of t.key) assert.ok(t.columns.some((c) => c.name === k), `${t.name} key ${k}`);
    }
  });

  test('an invoice: one upsert row with amount, currency, date and client; its lines replaced', () => {
    const changes = tableauChanges('invoices', [invoice()], [], ctx);
    const inv = changes.find((c) => c.table === 'Invoices')!;
    assert.deepEqual(inv.rows.map((r) => [r.InvoiceId, r.Amount, r.Currency, r.CreateDate, r.ClientId, r.ClientName]), [[11, '10.55', 'EUR', '2026-03-02', 5, 'Acme']]);
    const lines = changes.find((c) => c.table === 'InvoiceLines')!;
    assert.deepEqual(lines.replacedParents, [11]);
    assert.deepEqual(lines.rows.map((r) => [r.InvoiceId, r.LineId, r.Amount]), [[11, 1, '10.50'], [11, 2, '0.05']]);
  });

  test('a deleted invoice and a tombstone are deletes, and their lines are removed', () => {
    const changes = tableauChanges('invoices', [invoice({ vis_state: 1 })], [{ recordId: '12' }], ctx);
    const inv = changes.find((c) => c.table === 'Invoices')!;
    assert.deepEqual(inv.rows, []);
    assert.deepEqual(inv.deletes, [[11], [12]]);
    assert.deepEqual(changes.find((c) => c.table === 'InvoiceLines')!.replacedParents, [11, 12]);
    assert.deepEqual(changes.find((c) => c.table === 'InvoiceLines')!.rows, []);
  });

  test('actions: line deletes by parent, line inserts, record upserts, record deletes — each with its payload table', () => {
    const changes = tableauChanges('invoices', [invoice()], [{ recordId: '12' }], ctx);
    const actions = updateActions(changes);
    assert.deepEqual(actions.map((a) => `${a.action} ${a['target-table']} <- ${a['source-table'] ?? ''}`), [
      'delete InvoiceLines <- InvoiceLines__parents', 'insert InvoiceLines <- InvoiceLines', 'upsert Invoices <- Invoices', 'delete Invoices <- Invoices__delete',
    ]);
    assert.deepEqual(actions[2]!.condition, { op: 'eq', 'target-col': 'InvoiceId', 'source-col': 'InvoiceId' });
    const tables = payloadTables(changes);
    for (const a of actions) assert.ok(tables.some((t) => t.name === a['source-table']), `payload has ${a['source-table']}`);
    assert.deepEqual(tables.find((t) => t.name === 'Invoices__delete')!.rows, [{ InvoiceId: 12 }]);
  });

  test('a foreign key 0 (FreshBooks for "none") is null', () => {
    const [payment] = tableauChanges('payments', [{ id: 4, invoiceid: 0, clientid: 3, amount: { amount: '1.00', code: 'USD' }, date: '2026-01-01', updated: '2026-01-01 00:00:00', vis_state: 0 }], [], ctx);
    assert.equal(payment!.rows[0]!.InvoiceId, null);
    assert.equal(payment!.rows[0]!.ClientId, 3);
  });
});
