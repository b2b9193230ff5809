import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection } from '../support/flows';
import { assertHealthNames, assertSameAsUndisturbed, healthy, midBackfill } from '../support/fault-checks';

/**
 * The Temporal server killed (SIGKILL) mid-backfill and started again on the same port and database
 * file: the worker and the API reconnect by themselves, the workflow resumes from its history, and the
 * tables end as an undisturbed backfill leaves them. While it is down /healthz names Temporal and the
 * connection's status says its live view is missing because of it.
 */
describe('Temporal server restarted mid-sync (own Temporal dev server with a database file, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  before(async () => {
    // Slow enough that the kill lands between batches of the invoices backfill.
    h = await startHarness({ own: { temporal: true }, freshbooks: { scale: { invoices: 4000 } }, env: { FRESHBOOKS_REQUESTS_PER_SEC: '10' } });
  });
  after(async () => { await h?.close(); });

  test('SIGKILL the server, start it again: the backfill finishes with the tables of an undisturbed one', async () => {
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'temporal_restart' });
    await midBackfill(h, connectionId, accountId);
    const t0 = performance.now();
    await h.own.temporal!.kill();

    const health = await assertHealthNames(h, 'temporal');
    assert.deepEqual(health.body.down, ['temporal']);
    const detail = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(detail.status, 200, 'what Postgres holds is still shown');
    assert.deepEqual(detail.body.down, ['temporal']);
    assert.equal(detail.body.workflow, null);
    await new Promise((r) => setTimeout(r, 3_000));

    await h.own.temporal!.start();
    await healthy(h);
    const outageMs = performance.now() - t0;
    const after = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(after.body.down, undefined);
    await assertSameAsUndisturbed(h, { connectionId, accountId, datasetId: 'temporal_restart' });
    process.stderr.write(`[fault] Temporal down ${(outageMs / 1000).toFixed(1)} s mid-backfill\n`);
  });
});
