import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from '../common/config';
import { createActivities, type ActivityDeps } from '../activities';
import { castFailures } from '../activities/failure-casting';
import { connectClient } from '../temporal/client';
import { createDataConverter } from '../temporal/data-converter';
import { ensureHistoryExportSchedule } from '../temporal/history-export-schedule';

export interface WorkerHandle {
  worker: Worker;
  connection: NativeConnection;
  /** Reads closed runs' histories for the export; closed with `connection`. */
  client: Client;
}

/**
 * One worker serves the workflows and their activities, and ensures the schedule of history export passes
 * (HISTORY_EXPORT). `workflowBundle` lets tests and production reuse a prebuilt bundle instead of webpacking on every start.
 */
export async function createWorker(config: AppConfig, deps: ActivityDeps, extra: Partial<WorkerOptions> = {}): Promise<WorkerHandle> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const client = await connectClient(config.temporal, config.payloadKeys);
  const { target, everySec } = config.historyExport;
  await ensureHistoryExportSchedule(client, config.temporal.taskQueue, target.kind === 'off' ? undefined : everySec);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(extra.workflowBundle ? {}
      : config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(deps, client),
    dataConverter: createDataConverter(config.payloadKeys),
    maxConcurrentActivityTaskExecutions: 20,
    maxCachedWorkflows: config.workflows.maxCached,
    maxConcurrentWorkflowTaskExecutions: config.workflows.maxConcurrentTasks,
    // Every one of those tasks may be waiting on its delivery's local activity.
    maxConcurrentLocalActivityExecutions: Math.max(100, config.workflows.maxConcurrentTasks),
    shutdownGraceTime: '20s',
    ...extra,
    // Every activity's connector errors become the failure types workflows act on, whatever else a caller adds.
    interceptors: { ...extra.interceptors, activity: [castFailures, ...(extra.interceptors?.activity ?? [])] },
  });
  return { worker, connection, client };
}
