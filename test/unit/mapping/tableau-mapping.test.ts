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

  const account = (subs: Record<string, unknown>[]) => ({
    id: 12, accountid: 12, account_name: 'Cash', account_number: '1000', account_type: 'asset', balance: '10.5', currency_code: 'CAD',
    sub_accounts: subs,
  });
  const sub = (id: number, name: string, number: string) => ({
    id, sub_accountid: id, parentid: 12, account_sub_name: name, account_sub_number: number, account_type: 'asset', balance: '2.25', currency_code: 'CAD', custom: true,
  });

  test('ChartOfAccounts: an account and its sub-accounts are rows with their parent id, keyed apart (the id spaces overlap)', () => {
    const [coa] = tableauChanges('accounts', [account([sub(12, 'Petty cash', '1000-1'), sub(13, 'Chequing', '1000-2')])], [], ctx);
    assert.equal(coa!.table, 'ChartOfAccounts');
    assert.deepEqual(coa!.rows.map((r) => [r.AccountKey, r.AccountId, r.ParentAccountId, r.TopAccountId, r.IsSubAccount, r.AccountNumber, r.AccountName, r.Balance, r.Currency]), [
      ['account:12', 12, null, 12, false, '1000', 'Cash', '10.5', 'CAD'],
      ['sub_account:12', 12, 12, 12, true, '1000-1', 'Petty cash', '2.25', 'CAD'],
      ['sub_account:13', 13, 12, 12, true, '1000-2', 'Chequing', '2.25', 'CAD'],
    ]);
    assert.ok(coa!.rows.every((r) => r.Version === coa!.rows[0]!.Version && r.BusinessId === 7), 'sub-accounts carry the account\'s version and owner');
    // The account's rows are replaced whole: a sub-account dropped in FreshBooks disappears.
    assert.deepEqual(coa!.replacedParents, [12]);
    const actions = updateActions([coa!]);
    assert.deepEqual(actions.map((a) => `${a.action} ${a['target-table']} <- ${a['source-table']}`), [
      'delete ChartOfAccounts <- ChartOfAccounts__parents', 'upsert ChartOfAccounts <- ChartOfAccounts',
    ]);
    assert.deepEqual(actions[0]!.condition, { op: 'eq', 'target-col': 'TopAccountId', 'source-col': 'TopAccountId' });
    assert.deepEqual(payloadTables([coa!]).find((t) => t.name === 'ChartOfAccounts__parents')!.rows, [{ TopAccountId: 12 }]);
  });

  test('ChartOfAccounts: two versions of an account in one batch keep only the later one\'s sub-accounts; a tombstone removes all its rows', () => {
    const [coa] = tableauChanges('accounts', [account([sub(12, 'Petty cash', '1000-1'), sub(13, 'Chequing', '1000-2')]), account([sub(13, 'Chequing', '1000-2')])], [{ recordId: '14' }], ctx);
    assert.deepEqual(coa!.rows.map((r) => r.AccountKey), ['account:12', 'sub_account:13']);
    assert.deepEqual(coa!.replacedParents, [12, 14]);
    assert.deepEqual(coa!.deletes, []);
  });

  test('a foreign key 0 (FreshBooks for "none") is null', () => {
    const [payment] = tableauChanges('payments', [{ id: 4, invoiceid: 0, clientid: 3, amount: { amount: '1.00', code: 'USD' }, date: '2026-01-01', updated: '2026-01-01 00:00:00', vis_state: 0 }], [], ctx);
    assert.equal(payment!.rows[0]!.InvoiceId, null);
    assert.equal(payment!.rows[0]!.ClientId, 3);
  });
});
