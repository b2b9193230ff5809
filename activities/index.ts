import type { Client } from '@temporalio/client';
import type { Activities } from '../contracts/activities';
import { announceActivities } from './announce';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';
import { freshbooksGrantActivities } from './freshbooks-grant';
import { historyExportActivities } from './history-export';
import { orderActivities } from './orders';
import { reconcileActivities } from './reconcile';
import { storeActivities } from './store';
import { storeSweepActivities } from './store-sweep';
import { syncActivities } from './sync';
import { webhookActivities } from './webhooks';

/** Every activity, as contracts/activities.ts promises them to the workflows; `client` reads closed runs' histories. */
export function createActivities(deps: ActivityDeps, client: Client): Activities {
  const runtime = new ConnectionRuntime(deps);
  return {
    ...freshbooksGrantActivities(deps), ...syncActivities(deps, runtime), ...webhookActivities(deps, runtime),
    ...orderActivities(deps, runtime), ...storeActivities(deps, runtime), ...storeSweepActivities(deps, runtime),
    ...announceActivities(deps, runtime), ...reconcileActivities(deps, runtime), ...historyExportActivities(deps, client),
  };
}

export type { ActivityDeps };
