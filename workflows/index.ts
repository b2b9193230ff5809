import type { WorkflowTypes } from '../contracts/workflow-types';
import { connectionWorkflow } from './connection';
import { credentialWorkflow } from './credential';
import { historyExportWorkflow } from './history-export';
import { orderWorkflow } from './order';
import { storeWorkflow } from './store';

export { connectionWorkflow, credentialWorkflow, historyExportWorkflow, orderWorkflow, storeWorkflow };

/** Fails to compile if a workflow's name or signature drifts from what its starters use (contracts/workflow-types.ts). */
type Checked = Implements<WorkflowTypes, { connectionWorkflow: typeof connectionWorkflow; credentialWorkflow: typeof credentialWorkflow; orderWorkflow: typeof orderWorkflow; storeWorkflow: typeof storeWorkflow; historyExportWorkflow: typeof historyExportWorkflow }>;
type Implements<Contract, T extends Contract> = T;
