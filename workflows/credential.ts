import {
  allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../contracts/activities';
import { grantStateQuery, reauthorizedSignal, requestRefreshUpdate, type CredentialWorkflowInput } from '../contracts/credential';
import { renewalDueIn } from './token-renewal';

const MAX_HISTORY = 1_000;

const { readGrantState, refreshFreshBooksGrant } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The single writer of one FreshBooks OAuth grant. FreshBooks refresh tokens are single-use: two
 * refreshes racing leave the connection dead, so every refresh goes through here. Callers that got a
 * 401 ask with the version they used; asks for an old version are answered without a new refresh.
 */
export async function credentialWorkflow(input: CredentialWorkflowInput): Promise<void> {
  const { credentialId } = input;
  let grant = await readGrantState(credentialId);
  let obtainedAt = Date.now();
  let askedFor = -1;
  let reauthorized = false;

  const settled = (stale: number) => grant.version > stale || grant.needsReauth;
  setHandler(requestRefreshUpdate, async (staleVersion) => {
    if (!settled(staleVersion)) {
      askedFor = Math.max(askedFor, staleVersion);
      await condition(() => settled(staleVersion));
    }
    return grant;
  });
  setHandler(reauthorizedSignal, () => { reauthorized = true; });
  setHandler(grantStateQuery, () => grant);

  for (;;) {
    if (grant.needsReauth) {
      // Retrying a rejected refresh token cannot succeed; wait for the user to authorize again.
      await condition(() => reauthorized);
    } else {
      const dueIn = renewalDueIn(grant.expiresAt, obtainedAt, Date.now());
      if (dueIn > 0) await condition(() => askedFor >= grant.version || reauthorized, dueIn);
    }
    if (reauthorized) {
      reauthorized = false;
      grant = await readGrantState(credentialId);
    } else {
      grant = await refreshFreshBooksGrant({ credentialId, expectedVersion: grant.version });
    }
    obtainedAt = Date.now();
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof credentialWorkflow>(input);
    }
  }
}

