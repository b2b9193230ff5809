import { FRESHBOOKS_ENTITIES } from '../common/freshbooks-entities';
import { FreshBooksClient } from '../connectors/freshbooks';
import { sharedHyperProcess, writeHyperFile } from '../connectors/hyper';
import { TableauClient } from '../connectors/tableau';
import { TABLEAU_ENTITIES, TABLEAU_TABLES, emptyDataSourceTables, tableauChanges, type HyperRow, type TableChanges } from '../mapping/tableau';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGES_PER_BATCH, PER_PAGE, plainFreshBooksOptions } from './plain-loop';

/**
 * The Tableau backfill without Temporal, the delivery ledger or Update Data: the same FreshBooks client
 * and the same mapping (mapping/tableau), the rows gathered in memory, one multi-table .hyper written with
 * the same writer and published once (overwrite=true) with the same client — the cheapest way to the same
 * data source. Sequential, batched as the workflow reads (10 pages of 100, `changes` then `deleted`).
 *
 * Run as a child by bench/tableau.ts (input JSON in BENCH_PLAIN_INPUT, one `PLAIN_RESULT {json}` line out).
 */
export interface TableauPlainInput {
  fbApiBase: string;
  accountId: string;
  businessId: number;
  accessToken: string;
  requestsPerSec: number;
  tableauUrl: string;
  patName: string;
  patSecret: string;
  project: string;
  dataSourceName: string;
}

export interface TableauPlainResult {
  records: number;
  rows: number;
  elapsedMs: number;
  fetchMs: number;
  writeMs: number;
  publishMs: number;
  fileBytes: number;
  cpuSec: number;
}

/** One table's rows by key, with the keys of each parent (lines) or record (grouped records) for replacement. */
class TableRows {
  readonly rows = new Map<string, HyperRow>();
  private readonly byParent = new Map<string, Set<string>>();
  constructor(private readonly key: string[], private readonly parentKey?: string) {}

  apply(c: TableChanges): void {
    for (const p of c.replacedParents) {
      const ks = this.byParent.get(JSON.stringify(p));
      for (const k of ks ?? []) this.rows.delete(k);
      this.byParent.delete(JSON.stringify(p));
    }
    for (const d of c.deletes) this.rows.delete(JSON.stringify(d));
    for (const r of c.rows) {
      const k = JSON.stringify(this.key.map((col) => r[col]));
      this.rows.set(k, r);
      if (this.parentKey) {
        const p = JSON.stringify(r[this.parentKey]);
        const set = this.byParent.get(p) ?? new Set<string>();
        set.add(k);
        this.byParent.set(p, set);
      }
    }
  }
}

export async function runTableauPlainLoop(input: TableauPlainInput): Promise<TableauPlainResult> {
  const started = performance.now();
  const fb = new FreshBooksClient({ ...plainFreshBooksOptions(input), businessId: input.businessId });
  const tables = new Map(Object.values(TABLEAU_TABLES).map((t) => [t.name, new TableRows(t.key, t.role === 'lines' ? t.parentKey : t.groupKey)]));
  const result: TableauPlainResult = { records: 0, rows: 0, elapsedMs: 0, fetchMs: 0, writeMs: 0, publishMs: 0, fileBytes: 0, cpuSec: 0 };
  const syncedAt = new Date().toISOString();
  for (const entity of TABLEAU_ENTITIES) {
    const spec = FRESHBOOKS_ENTITIES[entity];
    for (const pass of ['changes', 'deleted'] as const) {
      if (pass === 'deleted' && !spec.softDeletes) continue;
      let page = 1;
      let batch = 0;
      while (page > 0) {
        const t = performance.now();
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
        for (const c of tableauChanges(entity, records, [], { accountId: input.accountId, businessId: input.businessId, syncedAt, batchId: `plain-${entity}-${pass}-${batch++}` })) {
          tables.get(c.table)!.apply(c);
        }
        result.records += records.length;
        page = nextPage;
      }
    }
  }
  let t = performance.now();
  const path = join(tmpdir(), `bench-tableau-plain-${process.pid}.hyper`);
  const payload = emptyDataSourceTables().map((e) => ({ ...e, rows: [...tables.get(e.name as keyof typeof TABLEAU_TABLES)!.rows.values()] }));
  result.rows = payload.reduce((n, p) => n + p.rows.length, 0);
  await writeHyperFile(path, payload);
  const file = await readFile(path);
  await rm(path, { force: true });
  result.fileBytes = file.length;
  result.writeMs = performance.now() - t;
  t = performance.now();
  const client = new TableauClient({ origin: input.tableauUrl, apiVersion: '3.27' });
  const auth = await client.signIn({ name: input.patName, secret: input.patSecret }, '');
  const project = await client.findProject(auth, input.project);
  if (!project) throw new Error(`project ${input.project} not found`);
  await client.publishHyper(auth, { name: input.dataSourceName, projectId: project.id, file, filename: 'plain.hyper' });
  await client.signOut(auth.token);
  result.publishMs = performance.now() - t;
  result.elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage();
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

if (require.main === module) {
  const raw = process.env.BENCH_PLAIN_INPUT;
  if (!raw) {
    console.error('tableau-plain-loop: BENCH_PLAIN_INPUT (JSON) is required; bench/tableau.ts runs this file');
    process.exit(2);
  }
  runTableauPlainLoop(JSON.parse(raw) as TableauPlainInput)
    .then(async (r) => {
      await sharedHyperProcess().stop();
      process.stdout.write(`PLAIN_RESULT ${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    });
}
