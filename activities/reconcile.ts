import { randomUUID } from 'node:crypto';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import type { FreshBooksClient } from '../connectors/freshbooks';
import type { ReconcileInput, ReconcileOutcome } from '../contracts/connection';
import type { EntityReconciliation, ReconciliationReport } from '../contracts/reconciliation';
import { ReconciliationReportStore } from '../db/reconciliation-reports';
import { snapshotPlan } from '../destinations/plan';
import type { Destination } from '../destinations/types';
import { MAX_LISTED_IDS, reportStatus } from '../common/reconciliation-verdict';
import { addToSums, capIds, compareSums, diffIds, shouldWalk, type SumTable } from '../domain/reconciliation';
import { reconciledFigures, reconciledMoney } from '../mapping/freshbooks';
import { ConnectionRuntime, type Connection } from './connection-runtime';
import { deliverRecords } from './deliver-records';
import type { ActivityDeps } from './deps';
import { keepAlive } from './heartbeat';

/** Ids the destination has and the source's list lacks are confirmed one GET each, up to this many per entity. */
const MAX_CONFIRMATIONS = MAX_LISTED_IDS;

/** List pages of an entity's walk asked for at once (the shared FreshBooks budget still paces them). */
export const WALK_CONCURRENCY = 8;

/** FreshBooks, counted: the report states how many requests it cost. */
export class CountedSource {
  requests = 0;
  constructor(private readonly fb: FreshBooksClient) {}

  /** FreshBooks' `total` for the entity's default list (active and archived; deleted hidden): one request. */
  async total(entity: FreshBooksEntity, visState?: 1): Promise<number> {
    this.requests += 1;
    return (await this.fb.listPage(entity, { page: 1, perPage: 1, includes: false, ...(visState ? { visState } : {}) })).total;
  }

  /**
   * Every record of the list (pages of 100), in page order. After the first page says how many there are,
   * up to WALK_CONCURRENCY pages are asked for at once: each request still waits its turn in the client's
   * shared per-account budget, so this only stops the walk waiting on one answer at a time. A list that
   * grows meanwhile is read to its new last page.
   */
  async *records(entity: FreshBooksEntity, visState?: 1): AsyncGenerator<Record<string, unknown>> {
    const page = (n: number) => {
      this.requests += 1;
      // Ids and totals only: without invoice lines a page is a fraction of the size to send and parse.
      const p = this.fb.listPage(entity, { page: n, perPage: 100, includes: false, ...(visState ? { visState } : {}) });
      // Awaited in order below; a page failing while an earlier one is awaited must not count as unhandled.
      p.catch(() => undefined);
      return p;
    };
    const first = await page(1);
    yield* first.items;
    let pages = first.pages;
    let next = 2;
    const inFlight: ReturnType<typeof page>[] = [];
    const fill = () => { while (next <= pages && inFlight.length < WALK_CONCURRENCY) inFlight.push(page(next++)); };
    fill();
    while (inFlight.length > 0) {
      const p = await inFlight.shift()!;
      pages = Math.max(pages, p.pages);
      fill();
      yield* p.items;
    }
  }

  async exists(entity: FreshBooksEntity, id: string): Promise<boolean> {
    this.requests += 1;
    return (await this.fb.get(entity, id)) !== null;
  }
}

/**
 * Every id of the entity's default list, and the per-currency sums of its `money` columns (none asked: no sums).
 */
export async function walkSource(
  src: CountedSource, entity: FreshBooksEntity, money: readonly string[],
): Promise<{ ids: string[]; sums: SumTable }> {
  const ids: string[] = [];
  const sums: SumTable = new Map();
  // Only the id and the money columns: mapping each record whole (lines, content hash, raw JSON) was
  // most of the walk's CPU.
  for await (const record of src.records(entity)) {
    const figures = reconciledFigures(entity, record, money);
    ids.push(figures.recordId);
    for (const m of figures.money) addToSums(sums, m.column, m.currency, m.amount);
  }
  return { ids, sums };
}

/**
 * The reconciliation report of a FreshBooks-fed connection: per entity, FreshBooks' `total` against
 * what the destination holds as current (queried from warehouses, the delivery ledger elsewhere); ids
 * walked when the counts differ or the entity is small; ids the destination has that FreshBooks answers
 * 404 for get a tombstone through the normal delivery path, so the next report is clean.
 */
export function reconcileActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const reports = new ReconciliationReportStore(deps.db);

  async function reconcileEntity(c: Connection, dest: Destination, src: CountedSource, entity: FreshBooksEntity): Promise<EntityReconciliation> {
    const sourceCount = await src.total(entity);
    const money = reconciledMoney(entity);
    const inventory = dest.inventory ? await dest.inventory(entity, money) : undefined;
    let destIds: string[];
    if (inventory) {
      destIds = inventory.ids;
    } else {
      // The ledger remembers soft-deleted records too (delivered with their deleted flag); FreshBooks lists them apart.
      const softDeleted = new Set<string>();
      if (FRESHBOOKS_ENTITIES[entity].softDeletes && await src.total(entity, 1) > 0) {
        for await (const r of src.records(entity, 1)) softDeleted.add(reconciledFigures(entity, r, []).recordId);
      }
      destIds = (await deps.ledger.currentIds(c.id, entity)).filter((id) => !softDeleted.has(id));
    }
    const base = { entity, sourceCount, destinationCount: destIds.length, method: inventory ? 'queried' as const : 'ledger' as const };
    if (!shouldWalk(sourceCount, destIds.length)) {
      return { ...base, sums: [], missingInDestination: [], extraInDestination: [], tombstoned: [], truncated: false };
    }

    const { ids: sourceIds, sums: sourceSums } = await walkSource(src, entity, inventory ? money : []);
    const { missing, extra } = diffIds(sourceIds, destIds);

    const gone: string[] = [];
    for (const id of extra.slice(0, MAX_CONFIRMATIONS)) {
      if (!await src.exists(entity, id)) gone.push(id);
    }
    if (gone.length > 0) {
      const deletedAt = new Date().toISOString();
      await deliverRecords(deps, c, dest, entity, [], { bulk: false, tombstones: gone.map((recordId) => ({ recordId, deletedAt })) });
    }

    const destSums: SumTable = new Map();
    for (const s of inventory?.sums ?? []) addToSums(destSums, s.column, s.currency, s.total);
    const listedMissing = capIds(missing);
    const listedExtra = capIds(extra);
    return {
      ...base,
      sums: inventory ? compareSums(sourceSums, destSums) : [],
      missingInDestination: listedMissing.ids,
      extraInDestination: listedExtra.ids,
      tombstoned: gone,
      truncated: listedMissing.truncated || listedExtra.truncated,
    };
  }

  async function reconcileConnection(input: ReconcileInput): Promise<ReconcileOutcome> {
    return keepAlive(async () => {
      const report: ReconciliationReport = {
        id: `rec_${randomUUID()}`, connectionId: input.connectionId, trigger: input.trigger, status: 'failed',
        startedAt: new Date().toISOString(), finishedAt: '', sourceRequests: 0, entities: [],
      };
      let src: CountedSource | undefined;
      try {
        const c = await runtime.connection(input.connectionId);
        src = new CountedSource(runtime.freshbooks(c));
        const dest = await runtime.destination(c);
        // Whole-table snapshots (Power BI dimension tables) have no per-record ledger entries to count.
        const { changes } = snapshotPlan(c.destination.type, c.settings.entities.filter((e): e is FreshBooksEntity => e in FRESHBOOKS_ENTITIES));
        for (const entity of changes) report.entities.push(await reconcileEntity(c, dest, src, entity));
        report.status = reportStatus(report.entities);
      } catch (err) {
        // Said in words, without secrets: connector and destination errors are already scrubbed.
        report.error = err instanceof Error ? err.message : String(err);
        report.status = 'failed';
      }
      report.sourceRequests = src?.requests ?? 0;
      report.finishedAt = new Date().toISOString();
      await reports.save(report);
      return { reportId: report.id, status: report.status };
    });
  }

  return { reconcileConnection };
}
