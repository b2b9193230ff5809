/**
 * workers/main.ts with Worker options overridden, for `bench/orders.ts --worker-options='{…}'`
 * experiments only (e.g. {"maxCachedWorkflows":2000}): measures what a worker setting would change
 * without touching production code. BENCH_WORKER_OPTIONS is a JSON object of Temporal WorkerOptions
 * (plain values only) passed to workers/worker.ts createWorker as its `extra`.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildActivityDeps } from '../workers/activity-deps';
import { installWorkerRuntime } from '../workers/runtime';
import { createWorker } from '../workers/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installWorkerRuntime(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const extra = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>;
  const { worker, connection } = await createWorker(config, buildActivityDeps(config, db, logger), extra);
  logger.warn({ taskQueue: config.temporal.taskQueue, extra }, 'experiment worker started');
  await worker.run();
  await connection.close();
  await db.end();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
