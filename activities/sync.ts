import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { recordVersion } from '../mapping/freshbooks';
import type { LedgerEntry } from '../db/delivery-ledger';
import { ConnectionListStates } from '../db/connection-list-states';
import type { ConnectionListState } from '../contracts/connection';
import { deliverRecords } from './deliver-records';
import type {
  ChangeBatchInput, FirstPagesResult, RunSummary, SyncFirstPagesInput, SyncPagesInput, SyncPagesResult, SyncPlan, SnapshotResult,
} from '../contracts/sync';
import { batchKeyOf } from '../destinations/bigquery/writes';
import { announcePlan, deliveryWindowMs, finishesFullRun, snapshotPlan } from '../destinations/plan';
import { ConnectionRuntime, type Connection, type DestinationConfig } from './connection-runtime';
import { isStoreConnection } from '../db/connections';
import { failure } from './failure-casting';
import type { Destination } from '../destinations/types';
import type { ActivityDeps } from './deps';
import { SchemaMismatchError } from '../destinations/errors';
import { keepAlive } from './heartbeat';
import { incrementalFilterFor } from './sync-window';
import { readFirstPages } from './first-pages';
import { PagesAhead } from './pages-ahead';

const PREPARE_TTL_MS = 10 * 60_000;
const GETS_IN_FLIGHT = 8;
/**
 * Pages of a batch read ahead of the one being taken: a batch's reads overlap, while the per-account
 * request budget still sets the pace FreshBooks sees.
 */
const PAGES_AHEAD = 3;

/**
 * Entities in the order a run takes them, by the volume an account typically holds. A run reads ENTITY_LANES
 * entities at once, each lane taking the plan's next entity when its own is done, so it lasts at least as long
 * as its largest entity plus whatever that lane read before it: the general ledger's detail lines (every
 * invoice, payment, expense and bill posts several), taken near the end, ran alone for seconds after the other
 * lanes had finished. Now the three that usually span many pages come first, so they become the three lanes
 * at once; then the chart of accounts and expense categories, one page each, which the same first-pages
 * activity reads whole (five entities per activity: the two keep it from opening more lanes than three);
 * then the rest, larger before smaller, for the lanes as they free up. Only the order changes: the same
 * entities are read, each as before.
 */
const TYPICAL_VOLUME_RANK: Record<FreshBooksEntity, number> = {
  journal_entry_details: 0, invoices: 1, payments: 2, accounts: 3, expense_categories: 4, expenses: 5, time_entries: 6, bills: 7,
  clients: 8, other_incomes: 9, credit_notes: 10, items: 11, bill_vendors: 12, projects: 13, services: 14,
};

/** `entities` in TYPICAL_VOLUME_RANK order; a stable sort, so the same list always gives the same plan. */
export function largestFirst(entities: FreshBooksEntity[]): FreshBooksEntity[] {
  return entities.map((e, i) => ({ e, i })).sort((a, b) => TYPICAL_VOLUME_RANK[a.e] - TYPICAL_VOLUME_RANK[b.e] || a.i - b.i).map(({ e }) => e);
}

export function syncActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const prepared = new Map<string, number>();
  const preparing = new Map<string, Promise<void>>();

  async function loadSyncPlan(connectionId: string): Promise<SyncPlan> {
    const c = await deps.connections.get<DestinationConfig>(connectionId);
    if (c && isStoreConnection(c)) throw failure('ConnectionNotFound', `connection ${connectionId} is a store; it has no sync plan`);
    const heartbeatTimeoutSec = deps.config.activities.heartbeatTimeoutSec;
    const { idleHistoryEvents } = deps.config.workflows;
    if (!c) return { status: 'deleted', entities: [], snapshots: [], webhooks: false, pollIntervalSec: 3600, reconcileEveryHours: 24, heartbeatTimeoutSec };
    const wanted = c.settings.entities.filter((e): e is FreshBooksEntity => e in FRESHBOOKS_ENTITIES);
    const { changes, snapshots } = snapshotPlan(c.destination.type, largestFirst(wanted));
    const announce = announcePlan(c.destination);
    const windowMs = deliveryWindowMs(c.destination.type, c.settings);
    return {
      ...(announce ? { announce } : {}),
      ...(windowMs > 0 ? { deliveryWindowMs: windowMs } : {}),
      ...(finishesFullRun(c.destination.type) ? { finishesFullRun: true as const } : {}),
      status: c.status,
      entities: changes,
      snapshots,
      webhooks: c.settings.webhooks !== false,
      pollIntervalSec: c.settings.pollIntervalSec,
      reconcileEveryHours: c.settings.reconcileEveryHours,
      heartbeatTimeoutSec,
      ...(idleHistoryEvents > 0 ? { idleHistoryEvents } : {}),
    };
  }

  /**
   * The destination, ready for writes: created if missing, and its schema checked against ours. One prepare
   * per connection at a time: entities read side by side (syncFirstPages) each asked for it at once, and two
   * concurrent dataset creations collided (the emulator answered the second with a 500, failing the activity
   * after the other entity's rows were written).
   */
  async function readyDestination(c: Connection): Promise<Destination> {
    const dest = await runtime.destination(c);
    const last = prepared.get(c.id);
    if (last && Date.now() - last < PREPARE_TTL_MS) return dest;
    let flight = preparing.get(c.id);
    if (!flight) {
      flight = prepare(c, dest).finally(() => preparing.delete(c.id));
      preparing.set(c.id, flight);
    }
    await flight;
    return dest;
  }

  async function prepare(c: Connection, dest: Destination): Promise<void> {
    try {
      await dest.prepare();
    } catch (err) {
      if (err instanceof SchemaMismatchError) {
        await deps.connections.mergeStatusDetail(c.id, { schemaMismatch: { detectedAt: new Date().toISOString(), message: err.message, tables: err.mismatches } });
      }
      throw err;
    }
    if (c.statusDetail.schemaMismatch) await deps.connections.mergeStatusDetail(c.id, { schemaMismatch: null });
    prepared.set(c.id, Date.now());
  }

  async function prepareDestination(connectionId: string): Promise<void> {
    await keepAlive(async () => { await readyDestination(await runtime.connection(connectionId)); });
  }

  async function finishFullRun(connectionId: string): Promise<void> {
    await keepAlive(async () => {
      const dest = await readyDestination(await runtime.connection(connectionId));
      await dest.finishFullRun?.();
    });
  }

  /**
   * Reads up to `maxPages` pages of one entity and delivers what the ledger has not seen. Pages are
   * written together (one load job per table per call, not per page: BigQuery allows 1,500 load jobs
   * per table per day). A retry re-reads the same pages; the writes are idempotent. Nothing is written
   * before every page of the batch is read, so reading pages ahead changes no retry or resume.
   */
  function syncPages(input: SyncPagesInput): Promise<SyncPagesResult> {
    return keepAlive(() => readAndDeliver(input));
  }

  /**
   * Each entity's first page batch of the changes pass, then of the deleted pass when the changes pass
   * ended there unmoved, the entities side by side (activities/first-pages.ts).
   */
  function syncFirstPages(input: SyncFirstPagesInput): Promise<FirstPagesResult[]> {
    return keepAlive(() => readFirstPages(input, readAndDeliver));
  }

  /** One page batch of one pass: read, then delivered through the ledger. */
  async function readAndDeliver(input: SyncPagesInput): Promise<SyncPagesResult> {
    const spec = FRESHBOOKS_ENTITIES[input.entity];
    if (input.pass === 'deleted' && !spec.softDeletes) return { nextPage: null, pagesRead: 0, records: 0, delivered: 0, rows: 0 };
    const c = await runtime.connection(input.connectionId);
    const fb = runtime.freshbooks(c);
    // The deleted pass is never filtered by date: a soft delete need not change `updated`, so a record
    // deleted long after its last edit would stay out of every filtered window (the ledger drops re-sends).
    const filter = input.pass === 'changes' ? incrementalFilterFor(spec, input.since) : {};

    const records: Record<string, unknown>[] = [];
    let page = input.startPage;
    let nextPage: number | null = null;
    let pagesRead = 0;
    let total: number | undefined;
    let shifted = false;
    const pages = new PagesAhead(
      (p) => fb.listPage(input.entity, { page: p, perPage: 100, ...filter, visState: input.pass === 'deleted' ? 1 : undefined }),
      input.startPage + input.maxPages - 1, PAGES_AHEAD,
    );
    for (;;) {
      const res = await pages.take(page);
      records.push(...res.items);
      pagesRead += 1;
      total ??= res.total;
      // Offset paging: a record leaving or joining the list moves the rest across page boundaries.
      if (res.total !== (input.expectTotal ?? total)) shifted = true;
      if (page >= res.pages) break;
      page += 1;
      if (pagesRead >= input.maxPages) { nextPage = page; break; }
    }
    const dest = await readyDestination(c);
    const out = await deliverRecords(deps, c, dest, input.entity, records, {
      force: input.force, ...(input.window ? { window: input.window } : {}), bulk: input.mode === 'full' || !!input.force,
    });
    return { nextPage, pagesRead, ...out, ...(total === undefined ? {} : { total }), ...(shifted ? { shifted } : {}) };
  }

  /**
   * Webhook hints, coalesced by the workflow: each record is fetched whole, now, so the order in which
   * FreshBooks sent its events does not matter, and delivered through the ledger like a poll would.
   */
  async function deliverChanges(input: ChangeBatchInput): Promise<SyncPagesResult> {
    return keepAlive(async () => {
      const began = performance.now();
      const c = await runtime.connection(input.connectionId);
      const fb = runtime.freshbooks(c);
      const dest = await readyDestination(c);
      const total: SyncPagesResult = { nextPage: null, pagesRead: 0, records: 0, delivered: 0, rows: 0 };
      const byEntity = new Map<FreshBooksEntity, ChangeBatchInput['changes']>();
      for (const ch of input.changes) {
        const list = byEntity.get(ch.entity);
        if (list) list.push(ch);
        else byEntity.set(ch.entity, [ch]);
      }
      const keys: string[] = [];
      for (const [entity, changes] of byEntity) {
        const records: Record<string, unknown>[] = [];
        const tombstones: { recordId: string; deletedAt: string }[] = [];
        // A few GETs in flight at once; the per-account budget still sets the pace FreshBooks sees.
        const fetched = await mapLimited(changes, GETS_IN_FLIGHT, (ch) => fb.get(entity, ch.recordId));
        changes.forEach((ch, i) => {
          const record = fetched[i];
          if (record) records.push(record);
          else if (ch.deleted) tombstones.push({ recordId: ch.recordId, deletedAt: ch.receivedAt });
        });
        total.pagesRead += changes.length;
        const out = await deliverRecords(deps, c, dest, entity, records, { bulk: false, tombstones });
        total.records += out.records;
        total.delivered += out.delivered;
        total.rows += out.rows;
        if (out.batchKey) keys.push(out.batchKey);
      }
      return { ...total, ...(keys.length ? { batchKey: keys.join(',') } : {}), elapsedMs: Math.round(performance.now() - began) };
    });
  }

  /**
   * Dimension tables on destinations that cannot update rows: the whole current set is read and, when
   * it differs from the set last sent (one ledger entry per table holds its fingerprint), replaced.
   */
  async function refreshSnapshots(input: { connectionId: string; runKey: string; entities: FreshBooksEntity[] }): Promise<SnapshotResult[]> {
    return keepAlive(async () => {
      const c = await runtime.connection(input.connectionId);
      const fb = runtime.freshbooks(c);
      const dest = await readyDestination(c);
      const results: SnapshotResult[] = [];
      for (const entity of input.entities) {
        const records: Record<string, unknown>[] = [];
        const passes: (0 | 1 | undefined)[] = FRESHBOOKS_ENTITIES[entity].softDeletes ? [undefined, 1] : [undefined];
        for (const visState of passes) {
          for await (const page of fb.listAll(entity, visState === undefined ? {} : { visState })) records.push(...page.items);
        }
        const versions = records.map((r) => recordVersion(entity, r, c.freshbooks.accountId).version).sort();
        const fingerprint = batchKeyOf([c.id, 'snapshot', entity, ...versions]);
        const entry: LedgerEntry = { recordId: `snapshot:${entity}`, version: fingerprint };
        const todo = await deps.ledger.undelivered(c.id, 'snapshot', [entry]);
        let rows = 0;
        if (todo.length > 0) {
          rows = await dest.replaceSnapshot(entity, records, { batchKey: fingerprint, bulk: true, source: c.freshbooks });
          await deps.ledger.markDelivered(c.id, 'snapshot', fingerprint, [entry]);
        }
        results.push({ entity, records: records.length, rows, replaced: todo.length > 0 });
      }
      return results;
    });
  }

  async function redeliverRecord(input: { connectionId: string; runKey: string; entity: FreshBooksEntity; recordId: string }): Promise<SyncPagesResult> {
    const c = await runtime.connection(input.connectionId);
    const record = await runtime.freshbooks(c).get(input.entity, input.recordId);
    if (!record) return { nextPage: null, pagesRead: 1, records: 0, delivered: 0, rows: 0 };
    const out = await deliverRecords(deps, c, await readyDestination(c), input.entity, [record], { force: true, bulk: false, salt: ['redeliver', input.runKey] });
    return { nextPage: null, pagesRead: 1, ...out };
  }

  /** Empties the destination and forgets what was delivered, so the following full run re-sends all. */
  async function resetDestination(connectionId: string): Promise<void> {
    await keepAlive(async () => {
      const c = await runtime.connection(connectionId);
      await (await runtime.destination(c)).reset();
      await deps.ledger.forget(connectionId);
      prepared.delete(connectionId);
    });
  }

  /** The explicit "update the table schema" action after a mismatch. Returns the tables changed. */
  async function updateDestinationSchema(connectionId: string): Promise<string[]> {
    return keepAlive(async () => {
      const c = await runtime.connection(connectionId);
      const changed = await (await runtime.destination(c)).updateSchema();
      await deps.connections.mergeStatusDetail(connectionId, { schemaMismatch: null, schemaUpdatedAt: new Date().toISOString() });
      prepared.delete(connectionId);
      return changed;
    });
  }

  async function recordSyncRun(connectionId: string, run: RunSummary): Promise<void> {
    const { runKey, mode, reason, startedAt, finishedAt, entities, error } = run;
    await deps.runs.record(connectionId, { runKey, mode: `${mode}:${reason}`, startedAt, finishedAt: finishedAt ?? null, stats: entities, error: error ?? null });
  }

  const listStates = new ConnectionListStates(deps.db);
  async function recordListState(state: ConnectionListState): Promise<void> {
    await listStates.write(state);
  }

  return {
    loadSyncPlan, prepareDestination, finishFullRun, syncPages, syncFirstPages, deliverChanges, refreshSnapshots, redeliverRecord,
    resetDestination, updateDestinationSchema, recordSyncRun, recordListState,
  };
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
