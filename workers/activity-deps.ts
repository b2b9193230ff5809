import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { StoreThrottle } from '../connectors/bigcommerce';
import { MeteredBudget, SharedAccountBudget } from '../connectors/freshbooks';
import { DatasetPacer, SharedDatasetPacer } from '../connectors/powerbi';
import { LocalKeyedBudget, type BucketLimits } from '../common/keyed-budget';
import { ConnectionStore } from '../db/connections';
import { CredentialStore } from '../db/credentials';
import { DeliveryLedger } from '../db/delivery-ledger';
import { ServiceCounters } from '../db/service-counters';
import { createPool, type Db } from '../db/pool';
import { PostgresKeyedBudget } from '../db/request-budget';
import { PostgresKeyedSlots } from '../db/request-slots';
import { SyncRunStore } from '../db/sync-runs';
import type { ActivityDeps } from '../activities';

export function buildActivityDeps(config: AppConfig, db: Db, logger: Logger): ActivityDeps {
  const counters = new ServiceCounters(db);
  // Its own small pool for every shared limit: a request made inside a transaction of the main pool must
  // never wait for that pool to free a connection for its budget check (with every connection so held,
  // nothing would move).
  const pacing = createPool(config.databaseUrl, 3, { connectTimeoutMs: 2_000, exitOnIdle: true });
  return {
    config,
    db,
    logger,
    credentials: new CredentialStore(db, config.credentialKeys),
    connections: new ConnectionStore(db),
    ledger: new DeliveryLedger(db),
    runs: new SyncRunStore(db),
    counters,
    freshbooksBudget: freshbooksBudget(config, counters, logger, pacing),
    powerbiPacer: new SharedDatasetPacer(new DatasetPacer(), sharedBudget(pacing, POWERBI_POSTS), new PostgresKeyedSlots(pacing, { leaseMs: POWERBI_SLOT_LEASE_MS })),
    storeThrottle: new StoreThrottle(5, Date.now, sharedBudget(pacing, BIGCOMMERCE_SMALLEST_PLAN)),
  };
}

/**
 * A slot is held from before the posts token (which a 429's Retry-After can delay) until the reply: the
 * client's 60 s timeout plus such a wait. Only a worker that died holding one ever waits this out.
 */
const POWERBI_SLOT_LEASE_MS = 180_000;

/** Defaults only: both callers pass each key's limits with every request. */
const POWERBI_POSTS: BucketLimits = { ratePerSec: 110 / 60, burst: 10 };
const BIGCOMMERCE_SMALLEST_PLAN: BucketLimits = { ratePerSec: 130 / 30, burst: 14 };

function sharedBudget(pool: Db, limits: BucketLimits): PostgresKeyedBudget {
  return new PostgresKeyedBudget(pool, { ...limits, fallback: new LocalKeyedBudget(limits) });
}

/**
 * One budget per FreshBooks account for every worker together (in Postgres; this process's own while Postgres
 * is away), counting 429s and waits into Postgres, where /metrics reads them.
 */
function freshbooksBudget(config: AppConfig, counters: ServiceCounters, logger: Logger, own: Db): MeteredBudget {
  const ratePerSec = config.freshbooks.requestsPerSec;
  const burst = Math.max(1, Math.ceil(ratePerSec));
  const bucket = new PostgresKeyedBudget(own, { ratePerSec, burst, fallback: new LocalKeyedBudget({ ratePerSec, burst }) });
  return new MeteredBudget(new SharedAccountBudget(bucket, { ratePerSec, burst }), {
    report: (t) => counters.add([{ metric: 'freshbooks_rate_limited', ...t.rateLimited }, { metric: 'freshbooks_budget_wait', ...t.budgetWait }]),
    onReportError: (err) => logger.warn({ err: { name: (err as Error)?.name } }, 'FreshBooks pacing figures not recorded yet; retried with the next report'),
  });
}
