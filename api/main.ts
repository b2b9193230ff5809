import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { ConnectionChangeFeed } from '../db/connection-changes';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { connectClient } from '../temporal/client';
import { Workflows } from '../temporal/workflow-starts';
import { createApp, webhookForwarder } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'api');
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const client = await connectClient(config.temporal, config.payloadKeys);
  const changes = new ConnectionChangeFeed(config.databaseUrl);
  await changes.start();
  const workflows = new Workflows(client, config.temporal.taskQueue, config.orders.lingerSec);
  const forwarder = webhookForwarder(db, workflows, logger);
  const app = createApp({ config, db, workflows, logger, changes, forwarder });
  const server = app.listen(config.port, () => logger.info({ port: config.port }, 'api listening'));
  const stop = () => {
    server.close(() => {
      void forwarder.stop().then(() => Promise.all([changes.close(), db.end(), client.connection.close()]));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
