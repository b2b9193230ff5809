import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import type { WarehouseRow } from '../common/warehouse-types';
import { FreshBooksClient, TokenBucketBudget, type FreshBooksClientOptions } from '../connectors/freshbooks';
import { BigQueryWarehouse } from '../connectors/bigquery';
import { ServiceAccountTokenProvider, parseServiceAccountKey } from '../connectors/google';
import { mapRecord, TABLES, type TableKey } from '../mapping/freshbooks';
import { batchKeyOf, prepareBigQuery, writeRows, type BigQueryDestinationConfig } from '../destinations/bigquery/writes';

/**
 * The backfill without Temporal and without the Postgres ledger: the same FreshBooks client, the same
 * mapping, the same BigQuery writes (writeRows → BigQueryWarehouse.loadRows, one load job per table per
 * batch), the same batching as the connection workflow (10 pages of 100 per batch, `changes` then
 * `deleted` pass per entity, entities in the connection's order). Sequential, like the workflow.
 *
 * Run as a child process by bench/backfill.ts (input as JSON in BENCH_PLAIN_INPUT, result as one
 * `PLAIN_RESULT {json}` line on stdout) so its process layout matches the worker's.
 */
export const PAGES_PER_BATCH = 10; // workflows/connection.ts PAGES_PER_ACTIVITY
export const PER_PAGE = 100; // activities/sync.ts

export interface PlainInput {
  fbApiBase: string;
  accountId: string;
  businessId: number;
  accessToken: string;
  requestsPerSec: number;
  bigqueryEndpoint: string;
  tokenUrl: string;
  serviceAccountKeyJson: string;
  projectId: string;
  datasetId: string;
  location: string;
  entities: FreshBooksEntity[];
  /** Defaults to PAGES_PER_BATCH; only experiments change it (with a matching workflow bundle). */
  pagesPerBatch?: number;
}

export interface PlainResult {
  records: number;
  rows: number;
  pages: number;
  batches: number;
  loadJobs: number;
  elapsedMs: number;
  prepareMs: number;
  fetchMs: number;
  mapMs: number;
  loadMs: number;
  /** process.cpuUsage() of the whole child, seconds (user + system). */
  cpuSec: number;
  perEntity: Record<string, { records: number; rows: number; pages: number }>;
}

/** FreshBooks client options for a plain loop: one fixed access token (no rotation) and the same per-account budget a worker uses. */
export function plainFreshBooksOptions(input: { fbApiBase: string; accountId: string; accessToken: string; requestsPerSec: number }): FreshBooksClientOptions {
  return {
    apiBase: input.fbApiBase,
    accountId: input.accountId,
    tokens: {
      accessToken: async () => ({ token: input.accessToken, version: 1 }),
      refreshAfterUnauthorized: async () => { throw new Error('plain loop: FreshBooks access token rejected'); },
    },
    budget: new TokenBucketBudget({ ratePerSec: input.requestsPerSec, burst: Math.max(1, Math.ceil(input.requestsPerSec)) }),
    budgetKey: input.accountId,
  };
}

export async function runPlainLoop(input: PlainInput, progress: (line: string) => void = () => undefined): Promise<PlainResult> {
  const started = performance.now();
  const fb = new FreshBooksClient(plainFreshBooksOptions(input));
  const tokens = new ServiceAccountTokenProvider({ key: parseServiceAccountKey(input.serviceAccountKeyJson), tokenUrl: input.tokenUrl });
  const wh = new BigQueryWarehouse({
    target: { projectId: input.projectId, datasetId: input.datasetId, location: input.location },
    apiEndpoint: input.bigqueryEndpoint,
    tokens,
  });
  const destination: BigQueryDestinationConfig = {
    type: 'bigquery', projectId: input.projectId, datasetId: input.datasetId, location: input.location, tables: {}, credentialId: 'plain-loop',
  };
  const knownColumns = new Map<string, Set<string>>();
  const result: PlainResult = {
    records: 0, rows: 0, pages: 0, batches: 0, loadJobs: 0, elapsedMs: 0, prepareMs: 0, fetchMs: 0, mapMs: 0, loadMs: 0, cpuSec: 0, perEntity: {},
  };

  let t = performance.now();
  await prepareBigQuery(wh, destination);
  result.prepareMs = performance.now() - t;

  let lastProgress = performance.now();
  for (const entity of input.entities) {
    const spec = FRESHBOOKS_ENTITIES[entity];
    const stats = (result.perEntity[entity] ??= { records: 0, rows: 0, pages: 0 });
    for (const pass of ['changes', 'deleted'] as const) {
      if (pass === 'deleted' && !spec.softDeletes) continue;
      let page = 1;
      while (page > 0) {
        // One batch = what one syncPages activity does.
        t = performance.now();
        const records: Record<string, unknown>[] = [];
        let pagesRead = 0;
        let nextPage = 0;
        for (;;) {
          const res = await fb.listPage(entity, { page, perPage: PER_PAGE, visState: pass === 'deleted' ? 1 : undefined });
          records.push(...res.items);
          pagesRead += 1;
          if (page >= res.pages) break;
          page += 1;
          if (pagesRead >= (input.pagesPerBatch ?? PAGES_PER_BATCH)) { nextPage = page; break; }
        }
        result.fetchMs += performance.now() - t;

        t = performance.now();
        const syncedAt = new Date().toISOString();
        const byRecord = new Map<string, { version: string; rows: { table: TableKey; row: WarehouseRow }[] }>();
        for (const record of records) {
          const mapped = mapRecord(entity, record, { accountId: input.accountId, businessId: input.businessId, syncedAt, batchId: '' });
          const main = mapped.find((m) => !TABLES[m.table].parent);
          if (!main) continue;
          byRecord.set(String(record[spec.idField]), { version: main.row.insertId, rows: mapped });
        }
        // activities/sync.ts keys a batch by its versions alone. Load job ids are unique per *project*, so the
        // same versions loaded into a second dataset of the same project (this loop, after the Temporal run)
        // would collide with the first dataset's jobs (JobIdCollisionError): salt the key with the dataset.
        const batchKey = batchKeyOf([input.datasetId, ...[...byRecord.values()].map((v) => v.version)]);
        const byTable = new Map<TableKey, WarehouseRow[]>();
        for (const { rows } of byRecord.values()) {
          for (const m of rows) {
            m.row.json._batch_id = batchKey;
            const list = byTable.get(m.table) ?? [];
            list.push(m.row);
            byTable.set(m.table, list);
          }
        }
        result.mapMs += performance.now() - t;

        t = performance.now();
        for (const [table, tableRows] of byTable) {
          await writeRows(wh, destination, table, tableRows, { batchKey, preferLoad: true, knownColumns });
          result.loadJobs += 1;
          result.rows += tableRows.length;
          stats.rows += tableRows.length;
        }
        result.loadMs += performance.now() - t;

        result.batches += 1;
        result.pages += pagesRead;
        result.records += records.length;
        stats.pages += pagesRead;
        stats.records += records.length;
        page = nextPage;
        if (performance.now() - lastProgress >= 5_000) {
          lastProgress = performance.now();
          progress(`t=${((lastProgress - started) / 1000).toFixed(1)}s ${entity}/${pass} page ${page || 'done'}: ${result.records} records, ${result.rows} rows, ${result.loadJobs} load jobs`);
        }
      }
    }
  }
  result.elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage();
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

if (require.main === module) {
  const raw = process.env.BENCH_PLAIN_INPUT;
  if (!raw) {
    console.error('plain-loop: BENCH_PLAIN_INPUT (JSON) is required; bench/backfill.ts runs this file');
    process.exit(2);
  }
  runPlainLoop(JSON.parse(raw) as PlainInput, (line) => process.stderr.write(`${line}\n`))
    .then((r) => {
      process.stdout.write(`PLAIN_RESULT ${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    });
}
