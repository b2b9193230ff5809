import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialStore, type FreshBooksGrantSecret } from '../../db/credentials';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, waitForRuns } from '../support/flows';

/**
 * FreshBooks says access tokens live 12 hours, but nothing guarantees it: a grant whose tokens live
 * 20 s must be renewed at a pace proportional to that life, not in a tight loop (issue 10 item 5).
 */
describe('short-lived access tokens (real Temporal, Postgres)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ freshbooks: { accessTokenTtlSec: 20 } });
  });
  after(async () => { await h.close(); });

  test('a grant whose tokens live 20 s is renewed about every 10 s, and stays usable', async () => {
    const { connectionId, grantId } = await createBigQueryConnection(h, { datasetId: 'it_short_tokens', settings: { pollIntervalSec: 3600, entities: ['clients'], webhooks: false } });
    await waitForRuns(h, connectionId, 1);
    const before = h.fb.state.statsSnapshot().refreshes;
    const watchMs = 25_000;
    await sleep(watchMs);
    const refreshes = h.fb.state.statsSnapshot().refreshes - before;
    // 25 s of 20-second tokens renewed at half-life: 2 or 3 renewals (a tight loop made thousands).
    assert.ok(refreshes >= 1, `the token is renewed before it expires (${refreshes})`);
    assert.ok(refreshes <= 6, `renewals proportional to the lifetime, not a storm: ${refreshes} in ${watchMs / 1000} s`);
    const grant = (await new CredentialStore(h.db, h.config.credentialKeys).get<FreshBooksGrantSecret>(grantId))!;
    assert.equal(grant.status, 'active');
    // The renewed token works: a sync now completes.
    assert.equal((await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } })).status, 202);
    const status = await waitForRuns(h, connectionId, 2);
    assert.equal(status.lastRun?.error, undefined);
  });
});
