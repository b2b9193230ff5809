import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildActivityDeps } from './activity-deps';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  // The SDK's own INFO lines (bundling, state changes) are noise in service logs.
  Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN') });
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
