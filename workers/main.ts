import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildActivityDeps } from './activity-deps';
import { installWorkerRuntime } from './runtime';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installWorkerRuntime(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const { worker, connection } = await createWorker(config, buildActivityDeps(config, db, logger));
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  await worker.run();
  await connection.close();
  await db.end();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
