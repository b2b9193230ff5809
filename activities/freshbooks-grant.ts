import { refreshGrant, FreshBooksInvalidGrantError } from '../connectors/freshbooks';
import type { FreshBooksGrantSecret } from '../db/credentials';
import type { RefreshResult } from '../contracts/credential';
import type { ActivityDeps } from './deps';

/** Activities of the credential workflow, the only code that rotates a FreshBooks refresh token. */
export function freshbooksGrantActivities(deps: ActivityDeps) {
  const { credentials, connections, config } = deps;

  async function readGrantState(credentialId: string): Promise<RefreshResult> {
    const grant = await credentials.get<FreshBooksGrantSecret>(credentialId);
    if (!grant) throw new Error(`credential ${credentialId} not found`);
    return { version: grant.version, expiresAt: grant.secret.expiresAt, needsReauth: grant.status !== 'active' };
  }

  /**
   * Rotates the grant if it is still at `expectedVersion`. The provider call happens with the row
   * locked and the new pair is committed in the same transaction, before anyone can use it.
   */
  async function refreshFreshBooksGrant(input: { credentialId: string; expectedVersion: number }): Promise<RefreshResult> {
    const outcome = await credentials.withLocked<FreshBooksGrantSecret, RefreshResult>(input.credentialId, async (current) => {
      const unchanged: RefreshResult = { version: current.version, expiresAt: current.secret.expiresAt, needsReauth: current.status !== 'active' };
      if (current.version !== input.expectedVersion || current.status !== 'active') return { result: unchanged };
      try {
        const t = await refreshGrant({
          apiBase: config.freshbooks.apiBase, clientId: config.freshbooks.clientId, clientSecret: config.freshbooks.clientSecret,
          refreshToken: current.secret.refreshToken, redirectUri: config.freshbooks.redirectUri,
        });
        return {
          secret: { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt, scope: t.scope },
          metadata: { expiresAt: new Date(t.expiresAt).toISOString(), refreshedAt: new Date().toISOString() },
          result: { version: current.version + 1, expiresAt: t.expiresAt, needsReauth: false },
        };
      } catch (err) {
        if (!(err instanceof FreshBooksInvalidGrantError)) throw err;
        return {
          status: 'needs_reauth',
          metadata: { reauthReason: 'refresh token rejected by FreshBooks', reauthSince: new Date().toISOString() },
          result: { ...unchanged, needsReauth: true },
        };
      }
    });
    if (outcome.needsReauth) {
      await connections.setStatusByGrant(input.credentialId, 'needs_reauth', {
        reason: 'FreshBooks rejected the refresh token: re-authorize with POST /api/freshbooks/authorizations {"reauthorizeGrantId": "<grantId>"}',
        grantId: input.credentialId,
        since: new Date().toISOString(),
      });
    }
    return outcome;
  }

  return { readGrantState, refreshFreshBooksGrant };
}
