import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { StoreThrottle } from '../connectors/bigcommerce';
import { MeteredBudget, TokenBucketBudget } from '../connectors/freshbooks';
import { DatasetPacer } from '../connectors/powerbi';
import { ConnectionStore } from '../db/connections';
import { CredentialStore } from '../db/credentials';
import { DeliveryLedger } from '../db/delivery-ledger';
import { ServiceCounters } from '../db/service-counters';
import { createPool, type Db } from '../db/pool';
import { PostgresRequestBudget } from '../db/request-budget';
import { SyncRunStore } from '../db/sync-runs';
import type { ActivityDeps } from '../activities';

export function buildActivityDeps(config: AppConfig, db: Db, logger: Logger): ActivityDeps {
  const counters = new ServiceCounters(db);
  return {
    config,
    db,
    logger,
    credentials: new CredentialStore(db, config.credentialKeys),
    connections: new ConnectionStore(db),
    ledger: new DeliveryLedger(db),
    runs: new SyncRunStore(db),
    counters,
    freshbooksBudget: freshbooksBudget(config, counters, logger),
    powerbiPacer: new DatasetPacer(),
    storeThrottle: new StoreThrottle(),
  };
}

/**
 * One budget per FreshBooks account for every worker together (in Postgres; this process's own while Postgres
 * is away), counting 429s and waits into Postgres, where /metrics reads them.
 */
function freshbooksBudget(config: AppConfig, counters: ServiceCounters, logger: Logger): MeteredBudget {
  const ratePerSec = config.freshbooks.requestsPerSec;
  const burst = Math.max(1, Math.ceil(ratePerSec));
  // Its own small pool: a request made inside a transaction of the main pool must never wait for that pool
  // to free a connection for its budget check (with every connection so held, nothing would move).
  const own = createPool(config.databaseUrl, 2, { connectTimeoutMs: 2_000, exitOnIdle: true });
  const shared = new PostgresRequestBudget(own, { ratePerSec, burst, fallback: new TokenBucketBudget({ ratePerSec, burst }) });
  return new MeteredBudget(shared, {
    report: (t) => counters.add([{ metric: 'freshbooks_rate_limited', ...t.rateLimited }, { metric: 'freshbooks_budget_wait', ...t.budgetWait }]),
    onReportError: (err) => logger.warn({ err: { name: (err as Error)?.name } }, 'FreshBooks pacing figures not recorded yet; retried with the next report'),
  });
}
