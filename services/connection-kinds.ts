import { connectionWorkflowId, storeWorkflowId } from '../contracts/ids';
import type { SyncMode } from '../contracts/sync';
import { isStoreConnection, type ConnectionRecord, type ConnectionStore, type FreshBooksConnection, type StoreConnection } from '../db/connections';
import type { DeliveryLedger } from '../db/delivery-ledger';
import type { SyncRunStore } from '../db/sync-runs';
import type { WebhookCallbackStore } from '../db/webhook-callbacks';
import { destinationOfKind } from '../destinations/registry';
import { tablesOfEntities } from '../mapping/freshbooks';
import type { WarehouseLocation } from '../mapping/lookml';
import type { Workflows } from '../temporal/workflow-starts';
import { HttpError } from './http-error';

/** Why an action for FreshBooks-fed connections does not apply to a store, and what to use instead. */
const STORE_REFUSALS: Record<string, string> = {
  redeliver: 'it has no FreshBooks records to redeliver; retry an order with POST /api/connections/:id/orders/:orderId/retry',
  webhooks: 'its BigCommerce hooks are checked at every sweep; POST /api/connections/:id/sync sweeps now',
};

/**
 * What a connection does that depends on its kind. FreshBooks feeding a destination runs in
 * `connection/<id>` and keeps its state there; a store feeding FreshBooks runs in `store/<id>` and
 * pauses in Postgres.
 */
export interface ConnectionBehaviour {
  /** What GET /connections/:id adds to the stored configuration. */
  details(): Promise<Record<string, unknown>>;
  /** Sync now. `mode` reads the request's mode, which only FreshBooks connections have (a store sweeps). */
  sync(mode: () => SyncMode): Promise<SyncMode | 'sweep'>;
  setPaused(paused: boolean): Promise<void>;
  /** After the row is marked deleted: the workflow cleans up and ends. */
  stop(): Promise<void>;
  /** After its grant was authorized again and the row set active: catch up on what waited. */
  reauthorized(): Promise<void>;
  /** The connection as FreshBooks-fed, or 409 saying why `action` does not apply. */
  freshBooksFed(action: string): FreshBooksConnection;
  /** The connection whose destination cannot update rows (rebuild, update-schema), or 400. */
  appendOnly(): FreshBooksConnection;
  /** The connection as a store (order routes), or 404. */
  store(): StoreConnection;
  /** Where the connection's warehouse tables are (generated LookML), or 400 for destinations SQL cannot read. */
  warehouse(): WarehouseLocation;
}

export interface ConnectionKindDeps {
  connections: ConnectionStore;
  workflows: Workflows;
  runs: SyncRunStore;
  ledger: DeliveryLedger;
  callbacks: WebhookCallbackStore;
  /** Told after a store connection is paused or resumed (caches keyed by connection reload it). */
  statusChanged?: (connectionId: string) => void;
}

/** The one place a connection's kind is dispatched on; services call this and never compare kinds. */
export function behaviourOf(c: ConnectionRecord, d: ConnectionKindDeps): ConnectionBehaviour {
  return isStoreConnection(c) ? storeBehaviour(c, d) : freshBooksBehaviour(c, d);
}

function freshBooksBehaviour(c: FreshBooksConnection, d: ConnectionKindDeps): ConnectionBehaviour {
  return {
    async details() {
      const [workflow, recentRuns, delivered, hooks, retrying] = await Promise.all([
        d.workflows.connectionStatus(c.id), d.runs.recent(c.id), d.ledger.counts(c.id), d.callbacks.list(c.id), d.workflows.retrying(connectionWorkflowId(c.id)),
      ]);
      // Which callbacks exist and whether FreshBooks verified them; never the verifiers.
      const webhookCallbacks = hooks.map(({ callbackId, event, uri, verified, updatedAt }) => ({ callbackId, event, uri, verified, updatedAt }));
      // A destination that is down shows here while its activity retries (the workflow waits inside it).
      return { workflow, retrying, recentRuns, delivered, webhookCallbacks };
    },
    async sync(readMode) {
      const mode = readMode();
      await d.workflows.requestSync(c.id, { mode, reason: 'manual' });
      return mode;
    },
    // Paused in its workflow: requests and webhook changes queue there.
    setPaused: (paused) => d.workflows.pauseConnection(c.id, paused),
    stop: () => d.workflows.stopConnection(c.id),
    reauthorized: () => d.workflows.requestSync(c.id, { mode: 'incremental', reason: 'manual' }),
    freshBooksFed: () => c,
    appendOnly() {
      if (!destinationOfKind(c.kind)?.traits.appendOnly) throw new HttpError(400, `connection ${c.id} writes to a destination that keeps every version; use /redeliver instead`);
      return c;
    },
    store() {
      throw new HttpError(404, `connection ${c.id} has no BigCommerce store`);
    },
    warehouse() {
      const m = destinationOfKind(c.kind);
      if (!m?.sqlWarehouse) throw new HttpError(400, `connection ${c.id} delivers to ${c.destination.type}, which is not a SQL warehouse; LookML needs BigQuery or Postgres`);
      // The module is the one of this connection's kind, so its config is this connection's destination.
      const where = (m.sqlWarehouse as (config: typeof c.destination) => WarehouseLocation)(c.destination);
      // Only what this connection syncs: an explore over an entity it leaves out would always be empty.
      const synced = new Set<string>(tablesOfEntities(c.settings.entities));
      return { ...where, tables: Object.fromEntries(Object.entries(where.tables).filter(([key]) => synced.has(key))) };
    },
  };
}

function storeBehaviour(c: StoreConnection, d: ConnectionKindDeps): ConnectionBehaviour {
  return {
    async details() {
      const [workflow, retrying] = await Promise.all([d.workflows.storeStatus(c.id), d.workflows.retrying(storeWorkflowId(c.id))]);
      return { workflow, retrying };
    },
    async sync(readMode) {
      // A store sweeps whatever mode is asked, but a malformed request is refused here as anywhere.
      readMode();
      await d.workflows.storeSync(c.id);
      return 'sweep';
    },
    /**
     * A store pauses in Postgres, where its workflow (no sweep, no client updates) and the order webhook
     * route (order events are acknowledged but start nothing; the sweep after resuming reads them from
     * the cursor, which stood still) both look.
     */
    async setPaused(paused) {
      const [from, to] = paused ? ['active', 'paused'] as const : ['paused', 'active'] as const;
      if (c.status !== from && c.status !== to) throw new HttpError(409, `connection ${c.id} is ${c.status}; only an active store pauses and only a paused one resumes`);
      const { pausedAt: _, ...detail } = c.statusDetail;
      await d.connections.setStatus(c.id, to, paused ? { ...detail, pausedAt: new Date().toISOString() } : detail);
      d.statusChanged?.(c.id);
      await d.workflows.storePlanChanged(c.id);
      // What changed while paused is found by the sweep, from where the cursor stood.
      if (!paused) await d.workflows.storeSync(c.id);
    },
    stop: () => d.workflows.stopStore(c.id),
    // Orders that failed on the dead grant are found again by the sweep, which re-reads the plan.
    reauthorized: () => d.workflows.storeSync(c.id),
    freshBooksFed(action) {
      throw new HttpError(409, `connection ${c.id} is a BigCommerce store: ${STORE_REFUSALS[action] ?? `${action} applies to FreshBooks connections only`}`);
    },
    appendOnly() {
      throw new HttpError(400, `connection ${c.id} writes to a destination that keeps every version; use /redeliver instead`);
    },
    store: () => c,
    warehouse() {
      throw new HttpError(400, `connection ${c.id} feeds FreshBooks from a BigCommerce store; it has no warehouse to model`);
    },
  };
}
