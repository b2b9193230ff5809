/** Power BI rows for the opt-in entities, and datasets made before their tables existed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareSchema, datasetDefinition, expectedTables, mapToPowerBi, POWERBI_CORE_TABLE_KEYS, POWERBI_TABLES, tombstoneFor } from '../../../mapping/powerbi';
import { recordVersion } from '../../../mapping/freshbooks';

const ctx = { accountId: 'xZNQ1X', businessId: 439000, syncedAt: '2024-05-01T12:00:00Z', batchId: 'b1' };

const detail = {
  id: 1928370, detailid: 1928370, name: 'Invoice 22-107', description: 'Regular Glasses', detail_type: 'sales', user_entered_date: '2022-08-16',
  account: { account_name: 'Operating Expenses', account_number: '6000', account_type: 'expense', accountid: 1234567, id: 1234567 },
  sub_account: { account_sub_name: 'Advertising', account_sub_number: '1', id: 9876543, parentid: 1234567, sub_accountid: 9876543 },
  balance: { amount: '47.60', code: 'CAD' }, credit: { amount: '47.60', code: 'CAD' }, debit: null,
  entry: { entryid: 5555555, id: 5555555, clientid: 1010101, invoiceid: 7777777, paymentid: null, expenseid: null, creditid: null, incomeid: null, categoryid: null },
};

describe('mapToPowerBi: ledger and time tracking', () => {
  test('a ledger line: one GeneralLedger row, credit in its currency, keyed to the chart of accounts', () => {
    const [row, ...rest] = mapToPowerBi('journal_entry_details', detail, ctx);
    assert.equal(rest.length, 0);
    assert.equal(row!.table, 'GeneralLedger');
    const r = row!.row;
    assert.equal(r.DetailId, 1928370);
    assert.equal(r.EntryId, 5555555);
    assert.equal(r.Debit, null);
    assert.equal(r.Credit, 47.6);
    assert.equal(r.Currency, 'CAD');
    assert.equal(r.AccountKey, 'sub_account:9876543');
    assert.equal(r.LedgerAccountId, 1234567);
    assert.equal(r.AccountId, 'xZNQ1X', 'AccountId is the FreshBooks account, as on every fact table');
    assert.equal(r.Date, '2022-08-16T00:00:00Z');
    assert.equal(r.Version, recordVersion('journal_entry_details', detail, 'xZNQ1X').version, 'same version as the warehouse and the ledger');
    assert.equal(r.TransactionId, 'journal_entry_detail:xZNQ1X:1928370');
  });

  test('time entries: UTC StartedAt, hours from seconds; projects and services are dimensions', () => {
    const [te] = mapToPowerBi('time_entries', { id: 419546, started_at: '2020-10-17T05:00:00Z', duration: 5400, project_id: 654321, service_id: 2345, client_id: 56789, billable: true, billed: false }, ctx);
    assert.equal(te!.table, 'TimeEntries');
    assert.equal(te!.row.StartedAt, '2020-10-17T05:00:00.000Z');
    assert.equal(te!.row.Hours, 1.5);
    assert.equal(te!.row.ProjectId, 654321);
    const [p] = mapToPowerBi('projects', { id: 654321, title: 'Awesome', created_at: '2020-09-13T01:07:51', updated_at: '2020-09-13T03:10:13', fixed_price: '1500.00' }, ctx);
    assert.equal(p!.row.UpdatedAt, '2020-09-13T03:10:13.000Z', 'no Z means UTC');
    assert.equal(p!.row.FixedPrice, 1500);
    assert.equal(POWERBI_TABLES.Projects.kind, 'dimension');
    assert.equal(POWERBI_TABLES.Services.kind, 'dimension');
    assert.deepEqual(tombstoneFor('projects', 1, { ...ctx, deletedAt: '2024-05-01T00:00:00Z' }), [], 'dimensions get no tombstones');
  });

  test('other income and credit notes carry amount and currency', () => {
    const [oi] = mapToPowerBi('other_incomes', { incomeid: 12345, amount: { amount: '113.00', code: 'USD' }, date: '2021-05-11', updated_at: '2021-05-11 06:53:22', vis_state: 1 }, ctx);
    assert.deepEqual([oi!.row.OtherIncomeId, oi!.row.Amount, oi!.row.Currency, oi!.row.IsDeleted, oi!.row.UpdatedAt], [12345, 113, 'USD', true, '2021-05-11T10:53:22.000Z']);
    const [cn] = mapToPowerBi('credit_notes', { creditid: 31313, id: 31313, amount: { amount: '300.00', code: 'USD' }, currency_code: 'USD', clientid: 7 }, ctx);
    assert.deepEqual([cn!.table, cn!.row.CreditNoteId, cn!.row.Amount, cn!.row.Currency], ['CreditNotes', 31313, 300, 'USD']);
  });
});

describe('datasets made before the opt-in tables', () => {
  const asActual = (names: readonly string[]) =>
    datasetDefinition('FreshBooks').tables.filter((t) => names.includes(t.name)).map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ ...c })) }));

  test('a dataset with only the core tables still matches; an opt-in table it has is checked', () => {
    assert.deepEqual(compareSchema(undefined, asActual(POWERBI_CORE_TABLE_KEYS)), []);
    assert.deepEqual(expectedTables(asActual(POWERBI_CORE_TABLE_KEYS)).map((t) => t.name), [...POWERBI_CORE_TABLE_KEYS]);
    const withLedger = asActual([...POWERBI_CORE_TABLE_KEYS, 'GeneralLedger']);
    withLedger.find((t) => t.name === 'GeneralLedger')!.columns.pop();
    const mismatches = compareSchema(undefined, withLedger);
    assert.deepEqual(mismatches.map((m) => m.table), ['GeneralLedger']);
  });
});
