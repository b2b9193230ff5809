import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { warehouseFigures } from '../support/warehouse-checks';

/** A storm of 429s with Retry-After slows the sync down; it does not fail it or lose records. */
describe('FreshBooks 429 storm (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h.close(); });

  test('a sync under a 429 storm waits as told and still lands every record', async () => {
    const storm = 10;
    const retryAfterSec = 1;
    h.fb.state.injectFaults({ rateLimit: { count: storm, retryAfterSec } });
    const limitedBefore = h.fb.state.statsSnapshot().rateLimited;
    const started = Date.now();
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'it_storm', settings: { entities: ['clients', 'invoices'] } });
    await waitForRuns(h, connectionId, 1);
    const elapsedMs = Date.now() - started;

    assert.equal(h.fb.state.statsSnapshot().rateLimited - limitedBefore, storm, 'every injected 429 was met');
    // Consecutive 429s each say "retry after 1 s": honouring them takes at least that long in total.
    assert.ok(elapsedMs >= (storm - 1) * retryAfterSec * 1000, `took ${elapsedMs} ms`);
    const run = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns[0];
    assert.equal(run.error, null);

    const totals = h.fb.state.totals(accountId);
    const wh = emulatorWarehouse(h, 'it_storm');
    assert.equal((await warehouseFigures(wh, 'it_storm', 'invoices')).count, totals.entities.invoices.count);
    assert.equal((await warehouseFigures(wh, 'it_storm', 'clients')).count, totals.entities.clients.count);
  });
});
