import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import {
  checkWebhooksSignal, maintenanceSignal, pauseSignal, reconcileUpdate, redeliverSignal, requestSyncSignal, statusQuery, stopSignal, webhookChangesSignal,
  webhookVerifierSignal, CONNECTION_PATCHES, type ConnectionWorkflowInput, type ConnectionWorkflowStatus, type ReconcileOutcome,
} from '../contracts/connection';
import { reauthorizedSignal, requestRefreshUpdate, type RefreshResult } from '../contracts/credential';
import { connectionWorkflowId, credentialWorkflowId, orderWorkflowId, storeWorkflowId } from '../contracts/ids';
import { orderChangedSignal, orderStatusQuery, type OrderHint, type OrderWorkflowInput, type OrderWorkflowStatus } from '../contracts/order';
import {
  customerChangedSignal, STORE_PATCHES, storePlanChangedSignal, storeStatusQuery, storeStopSignal, storeSyncSignal, type StoreCursor, type StoreWorkflowStatus,
} from '../contracts/store';
import type { MaintenanceRequest, RedeliverRequest, SyncRequest, WebhookChange } from '../contracts/sync';
import type { WorkflowTypes } from '../contracts/workflow-types';

type ConnectionWorkflow = WorkflowTypes['connectionWorkflow'];
type CredentialWorkflow = WorkflowTypes['credentialWorkflow'];
type OrderWorkflow = WorkflowTypes['orderWorkflow'];
type StoreWorkflow = WorkflowTypes['storeWorkflow'];

/**
 * Every way the service starts or talks to its workflows, with their deterministic ids. Each start is
 * "with start" so a message never races the workflow's existence.
 */
export class Workflows {
  /** `orderLingerSec`: the service's ORDER_LINGER_SEC, given to the order runs it starts. */
  constructor(private readonly client: Client, private readonly taskQueue: string, private readonly orderLingerSec?: number) {}

  startConnection(connectionId: string): Promise<void> {
    return this.signalConnection(connectionId, requestSyncSignal, [{ mode: 'full', reason: 'initial' }]);
  }

  requestSync(connectionId: string, request: SyncRequest): Promise<void> {
    return this.signalConnection(connectionId, requestSyncSignal, [request]);
  }

  redeliver(connectionId: string, request: RedeliverRequest): Promise<void> {
    return this.signalConnection(connectionId, redeliverSignal, [request]);
  }

  /** Hands acknowledged webhook changes from the inbox to the connection's workflow; abort gives the signal up (shutdown). */
  webhookChanges(connectionId: string, changes: WebhookChange[], abort?: AbortSignal): Promise<void> {
    const signal = () => this.signalConnection(connectionId, webhookChangesSignal, [changes]);
    return abort ? this.client.connection.withAbortSignal(abort, signal) : signal();
  }

  webhookVerifier(connectionId: string, callbackId: number): Promise<void> {
    return this.signalConnection(connectionId, webhookVerifierSignal, [callbackId]);
  }

  checkWebhooks(connectionId: string): Promise<void> {
    return this.signalConnection(connectionId, checkWebhooksSignal, []);
  }

  maintain(connectionId: string, request: MaintenanceRequest): Promise<void> {
    return this.signalConnection(connectionId, maintenanceSignal, [request]);
  }

  /**
   * Asks the connection's workflow for a reconciliation report and waits for it to be stored. With start,
   * like the signals: a connection whose workflow is not running gets it started.
   */
  reconcile(connectionId: string): Promise<ReconcileOutcome> {
    const start = new WithStartWorkflowOperation<ConnectionWorkflow>('connectionWorkflow', {
      workflowId: connectionWorkflowId(connectionId), taskQueue: this.taskQueue, args: [connectionInput(connectionId)],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return this.client.workflow.executeUpdateWithStart(reconcileUpdate, { args: [], startWorkflowOperation: start });
  }

  private async signalConnection<A extends unknown[]>(connectionId: string, signal: SignalDefinition<A>, signalArgs: A): Promise<void> {
    // The options type splits on whether the signal takes arguments; both shapes are the same at runtime.
    await this.client.workflow.signalWithStart<ConnectionWorkflow, unknown[]>('connectionWorkflow', {
      workflowId: connectionWorkflowId(connectionId), taskQueue: this.taskQueue, args: [connectionInput(connectionId)],
      signal: signal as SignalDefinition<unknown[]>, signalArgs,
    });
  }

  /** A BigCommerce store connection's workflow (`store/<id>`): sweep now. */
  async storeSync(connectionId: string): Promise<void> {
    const cursor = await this.retireLegacyStoreRun(connectionId);
    await this.client.workflow.signalWithStart<StoreWorkflow, []>('storeWorkflow', {
      workflowId: storeWorkflowId(connectionId), taskQueue: this.taskQueue, args: [{ connectionId, ...(cursor ? { cursor } : {}), patches: [...STORE_PATCHES] }],
      signal: storeSyncSignal, signalArgs: [],
    });
  }

  async customerChanged(connectionId: string, customerId: number): Promise<void> {
    await this.client.workflow.signalWithStart<StoreWorkflow, [number]>('storeWorkflow', {
      workflowId: storeWorkflowId(connectionId), taskQueue: this.taskQueue, args: [{ connectionId, patches: [...STORE_PATCHES] }],
      signal: customerChangedSignal, signalArgs: [customerId],
    });
  }

  /** The connection was paused or resumed in Postgres: the store workflow (if running) reads its plan again. */
  async storePlanChanged(connectionId: string): Promise<void> {
    await this.client.workflow.getHandle(storeWorkflowId(connectionId)).signal(storePlanChangedSignal).catch(ignoreNotFound);
  }

  async stopStore(connectionId: string): Promise<void> {
    await this.client.workflow.getHandle(storeWorkflowId(connectionId)).signal(storeStopSignal).catch(ignoreNotFound);
    // A run from before store workflows had an id of their own stops by the old name.
    await this.stopConnection(connectionId);
  }

  /**
   * Store workflows started before 2026-11-22 run as `connection/<id>`. The store's sweep moves to
   * `store/<id>`: the old run is terminated (not stopped, which would remove the store's hooks) and its
   * cursor handed to the new one. Costs one describe when there is nothing to move.
   */
  private async retireLegacyStoreRun(connectionId: string): Promise<StoreCursor | undefined> {
    const legacy = this.client.workflow.getHandle(connectionWorkflowId(connectionId));
    const d = await legacy.describe().catch((err: unknown) => { ignoreNotFound(err); return undefined; });
    if (!d || d.type !== 'storeWorkflow' || d.status.name !== 'RUNNING') return undefined;
    const status = await this.boundedQuery(connectionWorkflowId(connectionId), storeStatusQuery, 5_000);
    await legacy.terminate(`moved to ${storeWorkflowId(connectionId)}`).catch(ignoreNotFound);
    return status?.cursor;
  }

  /** The webhook and poll path for orders: start `order/<store>/<id>` if it is not running, and tell it to look. */
  async orderChanged(order: OrderWorkflowInput, hint: OrderHint): Promise<void> {
    await this.client.workflow.signalWithStart<OrderWorkflow, [OrderHint]>('orderWorkflow', {
      workflowId: orderWorkflowId(order.storeHash, order.orderId), taskQueue: this.taskQueue,
      args: [this.orderLingerSec === undefined ? order : { ...order, lingerSec: this.orderLingerSec }],
      signal: orderChangedSignal, signalArgs: [{ ...hint, connectionId: order.connectionId }],
    });
  }

  orderStatus(storeHash: string, orderId: number, timeoutMs = 5_000): Promise<OrderWorkflowStatus | null> {
    return this.boundedQuery(orderWorkflowId(storeHash, orderId), orderStatusQuery, timeoutMs);
  }

  storeStatus(connectionId: string, timeoutMs = 5_000): Promise<StoreWorkflowStatus | null> {
    return this.boundedQuery(storeWorkflowId(connectionId), storeStatusQuery, timeoutMs);
  }

  async pauseConnection(connectionId: string, paused: boolean): Promise<void> {
    await this.client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(pauseSignal, paused);
  }

  async stopConnection(connectionId: string): Promise<void> {
    await this.client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(stopSignal).catch(ignoreNotFound);
  }

  /**
   * The workflow's own view (cursors, current run). Bounded: while the worker that cached the
   * workflow is gone, a query waits for the sticky queue to time out, and callers (the API) must not.
   */
  connectionStatus(connectionId: string, timeoutMs = 5_000): Promise<ConnectionWorkflowStatus | null> {
    return this.boundedQuery(connectionWorkflowId(connectionId), statusQuery, timeoutMs);
  }

  /**
   * Activities of the workflow that failed and are waiting for their next attempt: while a destination is
   * down the workflow is blocked inside the activity's retries, so its own status cannot say why. Bounded
   * like the queries; empty when the workflow is gone or Temporal does not answer in time.
   */
  async retrying(workflowId: string, timeoutMs = 5_000): Promise<RetryingActivity[]> {
    try {
      const d = await this.client.withDeadline(Date.now() + timeoutMs, () => this.client.workflow.getHandle(workflowId).describe());
      const failing = (d.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 1) > 1 || a.lastFailure);
      return await Promise.all(failing.map(async (a) => ({
        activity: a.activityType?.name ?? 'unknown',
        attempt: a.attempt ?? 1,
        ...(a.maximumAttempts ? { maximumAttempts: a.maximumAttempts } : {}),
        // Failure messages are sealed by the payload codec like the rest of the history ("Encoded failure").
        lastError: (await decodeOptionalFailureToOptionalError(this.client.options.loadedDataConverter, a.lastFailure))?.message ?? '',
        ...(a.nextAttemptScheduleTime?.seconds != null ? { nextAttemptAt: new Date(Number(a.nextAttemptScheduleTime.seconds) * 1000).toISOString() } : {}),
      })));
    } catch {
      return [];
    }
  }

  private async boundedQuery<R>(workflowId: string, query: QueryDefinition<R>, timeoutMs: number): Promise<R | null> {
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, () => this.client.workflow.getHandle(workflowId).query(query));
    } catch {
      // Not started yet, already gone, not yet past its first task, a query the worker did not answer in
      // time or refused, Temporal out of reach (temporalReachable() tells the caller which): a status page
      // shows what Postgres has without the live view rather than failing (the contract run once met a 500
      // here).
      return null;
    }
  }

  async ensureCredential(credentialId: string): Promise<void> {
    await this.client.workflow.start<CredentialWorkflow>('credentialWorkflow', {
      workflowId: credentialWorkflowId(credentialId), taskQueue: this.taskQueue, args: [{ credentialId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  /** Asks the grant's single writer for a token newer than `staleVersion`, starting it if needed. */
  async requestGrantRefresh(credentialId: string, staleVersion: number): Promise<RefreshResult> {
    const start = new WithStartWorkflowOperation<CredentialWorkflow>('credentialWorkflow', {
      workflowId: credentialWorkflowId(credentialId), taskQueue: this.taskQueue, args: [{ credentialId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return this.client.workflow.executeUpdateWithStart(requestRefreshUpdate, { args: [staleVersion], startWorkflowOperation: start });
  }

  async grantReauthorized(credentialId: string): Promise<void> {
    await this.client.workflow.signalWithStart<CredentialWorkflow, []>('credentialWorkflow', {
      workflowId: credentialWorkflowId(credentialId), taskQueue: this.taskQueue, args: [{ credentialId }],
      signal: reauthorizedSignal, signalArgs: [],
    });
  }

  /** Whether the Temporal frontend answers at all, within `timeoutMs`. */
  async temporalReachable(timeoutMs = 2_000): Promise<boolean> {
    try {
      await this.client.withDeadline(Date.now() + timeoutMs, () => this.client.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  }
}

/** gRPC UNAVAILABLE: the frontend refused the connection or went away. */
export function isTemporalUnreachable(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return e?.code === 14 || e?.cause?.code === 14;
}

/** An activity between attempts: which, how many so far, the error of the last one (as in the workflow's history) and when the next starts. */
export interface RetryingActivity {
  activity: string;
  attempt: number;
  maximumAttempts?: number;
  lastError: string;
  nextAttemptAt?: string;
}

function ignoreNotFound(err: unknown): void {
  if (err instanceof Error && err.name === 'WorkflowNotFoundError') return;
  throw err;
}

/** What a connection workflow started now is given: the behaviour current code has, see ConnectionWorkflowInput. */
function connectionInput(connectionId: string): ConnectionWorkflowInput {
  return { connectionId, patches: [...CONNECTION_PATCHES] };
}
