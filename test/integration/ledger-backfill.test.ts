import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FRESHBOOKS_ENTITIES } from '../../common/freshbooks-entities';
import { TABLES, type TableKey } from '../../mapping/freshbooks';
import { EMULATOR_PROJECT, startHarness, type Harness } from '../support/harness';
import { addCreditNotes, createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { normaliseMoney, sourceAmounts, warehouseFigures } from '../support/warehouse-checks';

/**
 * A BigQuery connection opted in to every entity: the general ledger, credit notes, other income and time
 * tracking arrive complete, the ledger balances entry by entry, and time-tracking timestamps are UTC.
 */
describe('FreshBooks ledger and time tracking → BigQuery backfill (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let accountId: string;
  const datasetId = 'it_ledger';
  const view = (key: TableKey) => `\`${EMULATOR_PROJECT}.${datasetId}.${TABLES[key].defaultName}_latest\``;

  before(async () => {
    h = await startHarness();
    accountId = h.fb.state.accountIds()[0]!;
    addCreditNotes(h, accountId); // before anything reads the ledger
    const { connectionId } = await createBigQueryConnection(h, { datasetId, settings: { entities: ALL_FRESHBOOKS_ENTITIES } });
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h.close(); });

  test('every journal entry balances in the warehouse, and the ledger equals the source per currency', async () => {
    const wh = emulatorWarehouse(h, datasetId);
    const truth = h.fb.state.ledgerTotals(accountId).journal_entry_details;
    const unbalanced = await wh.query<{ entryid: number }>(
      `SELECT entryid FROM ${view('journal_entry_details')}
        GROUP BY entryid
       HAVING COUNT(DISTINCT currency_code) <> 1 OR COALESCE(SUM(debit), 0) <> COALESCE(SUM(credit), 0)`);
    assert.deepEqual(unbalanced, [], 'entries whose debits differ from their credits');
    const figures = await warehouseFigures(wh, datasetId, 'journal_entry_details');
    assert.equal(figures.count, truth.count);
    assert.equal(figures.distinctKeys, truth.count, 'one row per ledger line');
    const [entries] = await wh.query<{ n: number }>(`SELECT COUNT(DISTINCT entryid) AS n FROM ${view('journal_entry_details')}`);
    assert.equal(Number(entries!.n), truth.entries);
    for (const side of ['debit', 'credit'] as const) {
      const rows = await wh.query<{ cur: string; total: string }>(
        `SELECT ${side}_currency AS cur, CAST(SUM(${side}) AS STRING) AS total FROM ${view('journal_entry_details')} WHERE ${side} IS NOT NULL GROUP BY cur ORDER BY cur`);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.cur, normaliseMoney(String(r.total))])), sourceAmounts(truth[side]), `${side} per currency`);
    }
    assert.ok(Object.keys(truth.debit).length >= 2, 'the ledger has more than one currency');
  });

  test('credit notes, other income, projects, services and time entries: counts and sums equal the source', async () => {
    const wh = emulatorWarehouse(h, datasetId);
    const truth = h.fb.state.ledgerTotals(accountId);
    const credit = await warehouseFigures(wh, datasetId, 'credit_notes', 'amount');
    assert.equal(credit.count, truth.credit_notes.count);
    assert.deepEqual(credit.amounts, sourceAmounts(truth.credit_notes.amounts));
    const [lines] = await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${view('credit_note_lines')}`);
    assert.equal(Number(lines!.n), truth.credit_notes.count, 'one line each');

    const income = await warehouseFigures(wh, datasetId, 'other_incomes', 'amount');
    assert.equal(income.count, truth.other_incomes.count, 'deleted other income arrives too');
    assert.equal(income.distinctKeys, income.count);
    assert.deepEqual(income.amounts, sourceAmounts(truth.other_incomes.amounts));
    const [deleted] = await wh.query<{ n: number }>(`SELECT COUNTIF(is_deleted) AS n FROM ${view('other_incomes')}`);
    assert.equal(Number(deleted!.n), truth.other_incomes.byVisState['1']);

    for (const key of ['projects', 'services', 'time_entries'] as const) {
      const f = await warehouseFigures(wh, datasetId, key);
      assert.equal(f.count, truth[key].count, `${key}: row count`);
      assert.equal(f.distinctKeys, truth[key].count, `${key}: one row per record`);
    }
    const [duration] = await wh.query<{ s: number }>(`SELECT SUM(duration) AS s FROM ${view('time_entries')}`);
    assert.equal(Number(duration!.s), truth.time_entries.durationSec);
    const [owners] = await wh.query<{ n: number }>(
      `SELECT COUNTIF(account_id IS NULL OR business_id IS NULL) AS n FROM ${view('time_entries')}`);
    assert.equal(Number(owners!.n), 0, 'time entries name their account and business');
  });

  test('time entries and projects arrive with their UTC timestamps', async () => {
    const wh = emulatorWarehouse(h, datasetId);
    const entries = h.fb.state.listLedger(accountId, 'time_entries', { per_page: '100' }).items;
    const gotEntries = new Map((await wh.query<{ id: number; started: number; created: number }>(
      `SELECT id, UNIX_SECONDS(started_at) AS started, UNIX_SECONDS(created_at) AS created FROM ${view('time_entries')}`)).map((r) => [Number(r.id), r]));
    for (const t of entries) {
      const got = gotEntries.get(t.id as number);
      assert.ok(got, `time entry ${t.id} present`);
      assert.equal(Number(got.started), Date.parse(t.started_at as string) / 1000, `time entry ${t.id} started_at`);
      assert.equal(Number(got.created), Date.parse(t.created_at as string) / 1000, `time entry ${t.id} created_at`);
    }
    const projects = h.fb.state.listLedger(accountId, 'projects', { per_page: '100' }).items;
    const gotProjects = new Map((await wh.query<{ id: number; updated: number; raw: string }>(
      `SELECT id, UNIX_SECONDS(updated_at) AS updated, updated_raw AS raw FROM ${view('projects')}`)).map((r) => [Number(r.id), r]));
    for (const p of projects) {
      const got = gotProjects.get(p.id as number);
      assert.ok(got, `project ${p.id} present`);
      assert.doesNotMatch(String(p.updated_at), /Z$/, 'FreshBooks sends project times without Z');
      assert.equal(got.raw, p.updated_at);
      assert.equal(Number(got.updated), Date.parse(`${p.updated_at as string}Z`) / 1000, `project ${p.id} updated_at read as UTC, not Eastern`);
    }
  });
});
