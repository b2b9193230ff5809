import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { StoreThrottle } from '../connectors/bigcommerce';
import { TokenBucketBudget } from '../connectors/freshbooks';
import { DatasetPacer } from '../connectors/powerbi';
import { ConnectionStore } from '../db/connections';
import { CredentialStore } from '../db/credentials';
import { DeliveryLedger } from '../db/delivery-ledger';
import type { Db } from '../db/pool';
import { PostgresRequestBudget } from '../db/request-budget';
import { SyncRunStore } from '../db/sync-runs';
import type { ActivityDeps } from '../activities';

export function buildActivityDeps(config: AppConfig, db: Db, logger: Logger): ActivityDeps {
  return {
    config,
    db,
    logger,
    credentials: new CredentialStore(db, config.credentialKeys),
    connections: new ConnectionStore(db),
    ledger: new DeliveryLedger(db),
    runs: new SyncRunStore(db),
    freshbooksBudget: freshbooksBudget(config, db),
    powerbiPacer: new DatasetPacer(),
    storeThrottle: new StoreThrottle(),
  };
}

/** One budget per FreshBooks account for every worker together (in Postgres); this process's own while Postgres is away. */
function freshbooksBudget(config: AppConfig, db: Db): PostgresRequestBudget {
  const ratePerSec = config.freshbooks.requestsPerSec;
  const burst = Math.max(1, Math.ceil(ratePerSec));
  return new PostgresRequestBudget(db, { ratePerSec, burst, fallback: new TokenBucketBudget({ ratePerSec, burst }) });
}
