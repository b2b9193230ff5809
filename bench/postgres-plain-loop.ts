import { Pool } from 'pg';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { FreshBooksClient } from '../connectors/freshbooks';
import { PostgresWarehouse, scrubber } from '../connectors/postgres-warehouse';
import { PostgresDestination } from '../destinations/postgres/adapter';
import { PAGES_PER_BATCH, PER_PAGE, plainFreshBooksOptions } from './plain-loop';

/**
 * The Postgres-warehouse backfill without Temporal and without the delivery ledger: the same FreshBooks
 * client, the same mapping and the same warehouse writes (PostgresDestination.deliver: COPY into a
 * temporary table, one INSERT into the raw table, the batch key in the same transaction), batched as
 * the connection workflow batches (10 pages of 100, `changes` then `deleted` per entity). Sequential.
 *
 * Run as a child by bench/looker.ts (input JSON in BENCH_PLAIN_INPUT, one `PLAIN_RESULT {json}` line out),
 * so it is a process of its own as the worker is.
 */
export interface PostgresPlainInput {
  fbApiBase: string;
  accountId: string;
  businessId: number;
  accessToken: string;
  requestsPerSec: number;
  warehouseUrl: string;
  schema: string;
  entities: FreshBooksEntity[];
}

export interface PostgresPlainResult {
  records: number;
  rows: number;
  pages: number;
  batches: number;
  elapsedMs: number;
  fetchMs: number;
  writeMs: number;
  /** process.cpuUsage() of the whole child, seconds (user + system). */
  cpuSec: number;
}

export async function runPostgresPlainLoop(input: PostgresPlainInput): Promise<PostgresPlainResult> {
  const started = performance.now();
  const fb = new FreshBooksClient({ ...plainFreshBooksOptions(input), businessId: input.businessId });
  const pool = new Pool({ connectionString: input.warehouseUrl, max: 4 });
  const destination = new PostgresDestination(new PostgresWarehouse({ pool, schema: input.schema, scrub: scrubber(input.warehouseUrl) }));
  const result: PostgresPlainResult = { records: 0, rows: 0, pages: 0, batches: 0, elapsedMs: 0, fetchMs: 0, writeMs: 0, cpuSec: 0 };
  try {
    await destination.prepare();
    for (const entity of input.entities) {
      const spec = FRESHBOOKS_ENTITIES[entity];
      for (const pass of ['changes', 'deleted'] as const) {
        if (pass === 'deleted' && !spec.softDeletes) continue;
        let page = 1;
        while (page > 0) {
          let t = performance.now();
          const records: Record<string, unknown>[] = [];
          let pagesRead = 0;
          let nextPage = 0;
          for (;;) {
            const res = await fb.listPage(entity, { page, perPage: PER_PAGE, visState: pass === 'deleted' ? 1 : undefined });
            records.push(...res.items);
            pagesRead += 1;
            if (page >= res.pages) break;
            page += 1;
            if (pagesRead >= PAGES_PER_BATCH) { nextPage = page; break; }
          }
          result.fetchMs += performance.now() - t;
          t = performance.now();
          result.rows += await destination.deliver({
            entity, records, tombstones: [], batchKey: `plain-${entity}-${pass}-${result.batches}`, bulk: true,
            source: { accountId: input.accountId, businessId: input.businessId },
          });
          result.writeMs += performance.now() - t;
          result.batches += 1;
          result.pages += pagesRead;
          result.records += records.length;
          page = nextPage;
        }
      }
    }
  } finally {
    await pool.end();
  }
  result.elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage();
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

if (require.main === module) {
  const raw = process.env.BENCH_PLAIN_INPUT;
  if (!raw) {
    console.error('postgres-plain-loop: BENCH_PLAIN_INPUT (JSON) is required; bench/looker.ts runs this file');
    process.exit(2);
  }
  runPostgresPlainLoop(JSON.parse(raw) as PostgresPlainInput)
    .then((r) => {
      process.stdout.write(`PLAIN_RESULT ${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    });
}
