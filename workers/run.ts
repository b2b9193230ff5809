import type { WorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import type { ActivityDeps } from '../activities';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildActivityDeps } from './activity-deps';
import { installWorkerRuntime } from './runtime';
import { createWorker } from './worker';

/** A worker process until shutdown: config, migrations, activities, run. `extra` lets a benchmark vary worker options. */
export async function runWorker(extra: (deps: ActivityDeps) => Partial<WorkerOptions> = () => ({})): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installWorkerRuntime(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const deps = buildActivityDeps(config, db, logger);
  const { worker, connection, client } = await createWorker(config, deps, extra(deps));
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  await worker.run();
  await connection.close();
  await client.connection.close();
  await db.end();
}
