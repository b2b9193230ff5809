/** How the service talks to a FreshBooks grant's single writer (`credential/<id>`). */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

// The names below are what running workflows and their histories know these by: never rename them.
export const requestRefreshUpdate = defineUpdate<RefreshResult, [staleVersion: number]>('requestRefresh');
export const reauthorizedSignal = defineSignal('reauthorized');
export const grantStateQuery = defineQuery<RefreshResult>('grantState');

export interface RefreshResult {
  version: number;
  expiresAt: number;
  needsReauth: boolean;
}

export interface CredentialWorkflowInput {
  credentialId: string;
}

export type CredentialWorkflow = (input: CredentialWorkflowInput) => Promise<void>;
