import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { StoreThrottle } from '../connectors/bigcommerce';
import type { RequestBudget } from '../connectors/freshbooks';
import type { DatasetPacing } from '../connectors/powerbi';
import type { ConnectionStore } from '../db/connections';
import type { CredentialStore } from '../db/credentials';
import type { DeliveryLedger } from '../db/delivery-ledger';
import type { Db } from '../db/pool';
import type { ServiceCounters } from '../db/service-counters';
import type { SyncRunStore } from '../db/sync-runs';

/** What activities need from the process that hosts them; built once per worker (workers/). */
export interface ActivityDeps {
  config: AppConfig;
  db: Db;
  credentials: CredentialStore;
  connections: ConnectionStore;
  ledger: DeliveryLedger;
  runs: SyncRunStore;
  /** Running totals /metrics shows from any API instance (records delivered per destination type). */
  counters: ServiceCounters;
  /** Shared per-account FreshBooks request budget, so parallel activities do not add up past it. */
  freshbooksBudget: RequestBudget;
  /** Power BI's per-dataset limits (5 pending, 120 posts a minute, 1,000,000 rows an hour), shared by every worker. */
  powerbiPacer: DatasetPacing;
  /** BigCommerce's store quota: a bucket per store every worker draws on, and the rate-limit headers as this process last saw them. */
  storeThrottle: StoreThrottle;
  logger: Logger;
}
