import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { StoreThrottle } from '../connectors/bigcommerce';
import { TokenBucketBudget } from '../connectors/freshbooks';
import { DatasetPacer } from '../connectors/powerbi';
import { ConnectionStore } from '../db/connections';
import { CredentialStore } from '../db/credentials';
import { DeliveryLedger } from '../db/delivery-ledger';
import type { Db } from '../db/pool';
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
    freshbooksBudget: new TokenBucketBudget({ ratePerSec: config.freshbooks.requestsPerSec, burst: Math.max(1, Math.ceil(config.freshbooks.requestsPerSec)) }),
    powerbiPacer: new DatasetPacer(),
    storeThrottle: new StoreThrottle(),
  };
}
