import type { ConnectionWorkflow } from './connection';
import type { CredentialWorkflow } from './credential';
import type { HistoryExportWorkflow } from './history-export';
import type { OrderWorkflow } from './order';
import type { StoreWorkflow } from './store';

/**
 * Each workflow under the type name Temporal knows it by (its exported function's name in workflows/,
 * which checks it against this), so starters name and type them without importing workflow code.
 */
export interface WorkflowTypes {
  connectionWorkflow: ConnectionWorkflow;
  credentialWorkflow: CredentialWorkflow;
  orderWorkflow: OrderWorkflow;
  storeWorkflow: StoreWorkflow;
  historyExportWorkflow: HistoryExportWorkflow;
}
