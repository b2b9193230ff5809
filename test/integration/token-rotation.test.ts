import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FreshBooksClient, refreshGrant, FreshBooksInvalidGrantError, type TokenSource } from '../../connectors/freshbooks';
import { CredentialStore, type FreshBooksGrantSecret } from '../../db/credentials';
import { startHarness, EMULATOR_PROJECT, type Harness } from '../support/harness';
import { connectionReport } from '../support/connection-report';
import { authorizeFreshBooks, waitForRuns } from '../support/flows';

/**
 * FreshBooks refresh tokens are single-use. Every refresh goes through the grant's credential
 * workflow; a 401 anywhere asks it instead of refreshing.
 */
describe('FreshBooks token rotation (real Temporal, Postgres)', () => {
  let h: Harness;
  let grantId: string;
  let connectionIds: string[];
  before(async () => {
    h = await startHarness();
    const auth = await authorizeFreshBooks(h);
    grantId = auth.grantId;
    // One grant, two businesses: two connections that share the same rotating refresh token.
    const res = await h.admin('/api/connections', {
      body: {
        authorizationId: auth.authorizationId, businessIds: auth.businesses.map((b) => b.businessId),
        destination: { type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId: 'it_rotation', location: 'US', serviceAccountKey: h.serviceAccountKeyJson },
        settings: { pollIntervalSec: 3600, entities: ['clients', 'invoices'] },
      },
    });
    assert.equal(res.status, 201);
    connectionIds = res.body.connectionIds;
    await Promise.all(connectionIds.map((id) => waitForRuns(h, id, 1)));
  });
  after(async () => { await h.close(); });

  const credentials = () => new CredentialStore(h.db, h.config.credentialKeys);

  test('concurrent 401s cause exactly one refresh, and every caller goes on with the new token', async () => {
    const refreshesBefore = h.fb.state.statsSnapshot().refreshes;
    const versionBefore = (await credentials().get<FreshBooksGrantSecret>(grantId))!.version;
    h.fb.state.expireAccessTokens();
    // Eight callers at once (as activities on several workers would), plus both connections syncing.
    const tokens: TokenSource = {
      async accessToken() {
        const g = (await credentials().get<FreshBooksGrantSecret>(grantId))!;
        return { token: g.secret.accessToken, version: g.version };
      },
      refreshAfterUnauthorized: async (stale) => { await h.workflows.requestGrantRefresh(grantId, stale); },
    };
    const accountId = h.fb.state.accountIds()[0];
    const callers = Array.from({ length: 8 }, () => new FreshBooksClient({ apiBase: h.fbUrl, accountId, tokens }).listPage('clients', { page: 1 }));
    const syncs = connectionIds.map((id) => h.admin(`/api/connections/${id}/sync`, { body: { mode: 'incremental' } }));
    const pages = await Promise.all(callers);
    await Promise.all(syncs);
    await Promise.all(connectionIds.map((id) => waitForRuns(h, id, 2)));
    assert.ok(pages.every((p) => p.items.length > 0));
    assert.equal(h.fb.state.statsSnapshot().refreshes - refreshesBefore, 1, 'exactly one refresh');
    const after = (await credentials().get<FreshBooksGrantSecret>(grantId))!;
    assert.equal(after.version, versionBefore + 1);
    assert.equal(after.status, 'active');
  });

  test('a reused refresh token is rejected as FreshBooks does; the connections go to needs_reauth and recover on re-authorization', async (t) => {
    const stored = (await credentials().get<FreshBooksGrantSecret>(grantId))!.secret;
    const fbConf = h.config.freshbooks;
    // Someone else spends the stored refresh token (a copy of the grant used elsewhere)…
    await refreshGrant({ apiBase: h.fbUrl, clientId: fbConf.clientId, clientSecret: fbConf.clientSecret, refreshToken: stored.refreshToken, redirectUri: fbConf.redirectUri });
    // …so reusing it now fails with invalid_grant, exactly as FreshBooks answers a spent token.
    await assert.rejects(
      refreshGrant({ apiBase: h.fbUrl, clientId: fbConf.clientId, clientSecret: fbConf.clientSecret, refreshToken: stored.refreshToken, redirectUri: fbConf.redirectUri }),
      (err: unknown) => err instanceof FreshBooksInvalidGrantError && !err.message.includes(stored.refreshToken),
    );

    h.fb.state.expireAccessTokens();
    const failedBefore = h.fb.state.statsSnapshot().failedGrants;
    await h.admin(`/api/connections/${connectionIds[0]}/sync`, { body: { mode: 'incremental' } });
    const status = await until(async () => {
      const c = (await h.admin(`/api/connections/${connectionIds[0]}`)).body;
      return c.status === 'needs_reauth' ? c : null;
    });
    assert.match(status.statusDetail.reason, /re-?authori/i);
    const other = (await h.admin(`/api/connections/${connectionIds[1]}`)).body;
    assert.equal(other.status, 'needs_reauth', 'every connection on the grant');
    // No retry loop against FreshBooks: the rejected token is tried once, then the grant waits for the user.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(h.fb.state.statsSnapshot().failedGrants - failedBefore, 1);

    // The user authorizes again; both connections come back and sync.
    // Counted before: the run the re-authorization starts can finish before the checks below return.
    const synced = async () => Number((await h.db.query(`SELECT count(*) AS n FROM sync_runs WHERE connection_id = $1 AND error IS NULL`, [connectionIds[0]])).rows[0].n);
    const runsBefore = await synced();
    const start = await h.admin('/api/freshbooks/authorizations', { body: { reauthorizeGrantId: grantId } });
    const callback = (await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!;
    const done = await (await fetch(callback)).json() as { reauthorized: string[] };
    assert.deepEqual([...done.reauthorized].sort(), [...connectionIds].sort());
    for (const id of connectionIds) {
      const c = (await h.admin(`/api/connections/${id}`)).body;
      assert.equal(c.status, 'active');
    }
    await until(async () => (await synced()) > runsBefore || null)
      .catch(async (err: unknown) => {
        // Seen once in CI (the synced run never came within the minute): what the connection was doing.
        for (const line of await connectionReport(h, connectionIds[0]!)) t.diagnostic(line);
        throw err;
      });
  });
});

async function until<T>(probe: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('condition not met in time');
}
