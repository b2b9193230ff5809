import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import type { ListPageRequest } from '../../sandbox/freshbooks/state';

/**
 * FreshBooks pages by offset. Invoices soft-deleted on pages already read while a backfill is under way
 * move the invoices after them back a page: without a re-read those are never seen (an incremental run
 * only sees what is updated later). 1,150 invoices make 12 pages, two syncPages activities of 10 pages.
 */
describe('pages shifting under a backfill (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ freshbooks: { scale: { invoices: 1150, clients: 20, items: 10, payments: 40, expenses: 5, vendors: 2, bills: 2 } } });
  });
  after(async () => { await h.close(); });

  type Listed = { id: number };
  /** The default invoice list (deleted hidden, no date filter): the one a backfill pages through. */
  const isBackfillRead = (r: ListPageRequest, accountId: string) =>
    r.accountId === accountId && r.entity === 'invoices' && !r.params.has('search[vis_state]') && !r.params.has('search[updated_min]');
  const deleteFromPage = (accountId: string, page: number, n: number) => {
    const items = h.fb.state.list(accountId, 'invoices', { per_page: '100', page: String(page) }).items as Listed[];
    for (const inv of items.slice(0, n)) h.fb.state.delete(accountId, 'invoices', inv.id);
  };
  const allIds = (accountId: string) => [0, 1, 2].flatMap((vis) => {
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const res = h.fb.state.list(accountId, 'invoices', { per_page: '100', page: String(page), 'search[vis_state]': String(vis) });
      ids.push(...(res.items as Listed[]).map((i) => i.id));
      if (page >= res.pages) return ids;
    }
  }).sort((a, b) => a - b);

  test('records that slide onto pages already read are read again, not skipped, within and across activities', async () => {
    const accountId = h.fb.state.accountIds()[0]!;
    const fired: number[] = [];
    // Page 4 is read by the pass's first activity, page 11 first thing by its second.
    const off = h.fb.state.onListPage((r) => {
      if (!isBackfillRead(r, accountId) || (r.page !== 4 && r.page !== 11) || fired.includes(r.page)) return;
      fired.push(r.page);
      deleteFromPage(accountId, r.page === 4 ? 1 : 2, 10);
    });
    try {
      const datasetId = 'it_page_shift';
      const { connectionId } = await createBigQueryConnection(h, { datasetId, settings: { entities: ['invoices'] } });
      await waitForRuns(h, connectionId, 1);
      assert.deepEqual(fired, [4, 11]);

      const wh = emulatorWarehouse(h, datasetId);
      const rows = await wh.query<{ id: number }>(`SELECT id FROM \`ml-connector-dev.${datasetId}.freshbooks_invoices_latest\` ORDER BY id`);
      assert.deepEqual(rows.map((r) => Number(r.id)), allIds(accountId), 'every invoice, once');
      const [run] = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { stats: Record<string, { rereads?: number; incomplete?: boolean }> }[];
      assert.ok((run.stats.invoices.rereads ?? 0) >= 1, JSON.stringify(run.stats.invoices));
      assert.equal(run.stats.invoices.incomplete, undefined);
    } finally {
      off();
    }
  });

  test('a list that keeps changing while it is read is reported incomplete, never complete', async () => {
    const accountId = h.fb.state.accountIds()[1]!;
    let reads = 0;
    const off = h.fb.state.onListPage((r) => {
      if (!isBackfillRead(r, accountId) || r.page !== 3) return;
      reads += 1;
      deleteFromPage(accountId, 1, 1);
    });
    try {
      const { connectionId } = await createBigQueryConnection(h, { datasetId: 'it_page_shift_restless', businessIndex: 1, settings: { entities: ['invoices'] } });
      await assert.rejects(waitForRuns(h, connectionId, 1), /invoices: the list kept changing while it was read/);
      assert.equal(reads, 3, 'read three times, then given up');
      const [run] = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { stats: Record<string, { rereads?: number; incomplete?: boolean }> }[];
      assert.equal(run.stats.invoices.rereads, 2);
      assert.equal(run.stats.invoices.incomplete, true);
      const status = await h.workflows.connectionStatus(connectionId);
      assert.ok(status);
      assert.equal(status.cursors.invoices, undefined, 'the cursor did not move past records that may be missing');
    } finally {
      off();
    }
  });
});
