import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import type { WarehouseRow } from '../common/warehouse-types';
import { mapRecord, TABLES, type TableKey } from '../mapping/freshbooks';
import type { LedgerEntry } from '../db/delivery-ledger';
import type { RunSummary, SyncPagesInput, SyncPagesResult, SyncPlan } from '../workflows/types';
import { batchKeyOf, prepareBigQuery, writeRows, type BigQueryDestinationConfig } from './bigquery-destination';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';
import { translated } from './failures';
import { keepAlive } from './heartbeat';
import { filterDateFor } from './sync-window';

const PREPARE_TTL_MS = 10 * 60_000;

interface Delivery {
  entries: LedgerEntry[];
  rows: Map<TableKey, WarehouseRow[]>;
  maxUpdatedAt?: string;
  records: number;
}

export function syncActivities(deps: ActivityDeps) {
  const runtime = new ConnectionRuntime(deps);
  const prepared = new Map<string, number>();
  const knownColumns = new Map<string, Set<string>>();

  async function loadSyncPlan(connectionId: string): Promise<SyncPlan> {
    const c = await deps.connections.get(connectionId);
    if (!c) return { status: 'deleted', entities: [], pollIntervalSec: 3600, reconcileEveryHours: 24 };
    return {
      status: c.status,
      entities: c.settings.entities.filter((e): e is FreshBooksEntity => e in FRESHBOOKS_ENTITIES),
      pollIntervalSec: c.settings.pollIntervalSec,
      reconcileEveryHours: c.settings.reconcileEveryHours,
    };
  }

  async function prepareDestination(connectionId: string): Promise<void> {
    const last = prepared.get(connectionId);
    if (last && Date.now() - last < PREPARE_TTL_MS) return;
    await translated(() => keepAlive(async () => {
      const c = await runtime.connection(connectionId);
      await prepareBigQuery(await runtime.warehouse(c), c.destination);
    }));
    prepared.set(connectionId, Date.now());
  }

  /**
   * Reads up to `maxPages` pages of one entity and delivers what the ledger has not seen. Pages are
   * written together (one load job per table per call, not per page: BigQuery allows 1,500 load jobs
   * per table per day). A retry re-reads the same pages; the writes are idempotent.
   */
  async function syncPages(input: SyncPagesInput): Promise<SyncPagesResult> {
    return translated(() => keepAlive(async () => {
      const spec = FRESHBOOKS_ENTITIES[input.entity];
      const empty: SyncPagesResult = { nextPage: null, pagesRead: 0, records: 0, delivered: 0, rows: 0 };
      if (input.pass === 'deleted' && !spec.softDeletes) return empty;
      const c = await runtime.connection(input.connectionId);
      const fb = runtime.freshbooks(c);
      const updatedMin = spec.incremental && input.since ? filterDateFor(input.since, spec.updatedZone) : undefined;

      const records: Record<string, unknown>[] = [];
      let page = input.startPage;
      let nextPage: number | null = null;
      let pagesRead = 0;
      for (;;) {
        const res = await fb.listPage(input.entity, { page, perPage: 100, updatedMin, visState: input.pass === 'deleted' ? 1 : undefined });
        records.push(...res.items);
        pagesRead += 1;
        if (page >= res.pages) break;
        page += 1;
        if (pagesRead >= input.maxPages) { nextPage = page; break; }
      }

      const delivery = await collect(input, c.source, records);
      const wh = await runtime.warehouse(c);
      // Job ids are unique per project: the connection is part of the key, so two connections of one
      // business writing to two datasets never share a job.
      const batchKey = batchKeyOf([input.connectionId, ...delivery.entries.map((e) => e.version)]);
      let rows = 0;
      for (const [table, tableRows] of delivery.rows) {
        for (const r of tableRows) r.json._batch_id = batchKey;
        await writeRows(wh, c.destination, table, tableRows, { batchKey, preferLoad: input.mode === 'full' || !!input.force, knownColumns });
        rows += tableRows.length;
      }
      await deps.ledger.markDelivered(input.connectionId, input.entity, batchKey, delivery.entries);
      return { nextPage, pagesRead, records: delivery.records, delivered: delivery.entries.length, rows, maxUpdatedAt: delivery.maxUpdatedAt, ...(rows > 0 ? { batchKey } : {}) };
    }));
  }

  /** Maps records to rows and keeps those whose version the ledger has not delivered yet. */
  async function collect(input: SyncPagesInput, source: { accountId: string; businessId: number }, records: Record<string, unknown>[]): Promise<Delivery> {
    const spec = FRESHBOOKS_ENTITIES[input.entity];
    const syncedAt = new Date().toISOString();
    const byRecord = new Map<string, { entry: LedgerEntry; rows: { table: TableKey; row: WarehouseRow }[] }>();
    let maxUpdatedAt: string | undefined;
    for (const record of records) {
      const mapped = mapRecord(input.entity, record, { accountId: source.accountId, businessId: source.businessId, syncedAt, batchId: '' });
      const main = mapped.find((m) => !TABLES[m.table].parent);
      if (!main) continue;
      const updatedAt = (main.row.json.updated_at as string | null | undefined) ?? null;
      if (input.window && !inWindow(updatedAt, input.window)) continue;
      if (updatedAt && (!maxUpdatedAt || updatedAt > maxUpdatedAt)) maxUpdatedAt = updatedAt;
      const recordId = String(record[spec.idField]);
      byRecord.set(recordId, { entry: { recordId, version: main.row.insertId, updatedAt }, rows: mapped });
    }
    const entries = [...byRecord.values()].map((v) => v.entry);
    const todo = input.force ? entries : await deps.ledger.undelivered(input.connectionId, input.entity, entries);
    const rows = new Map<TableKey, WarehouseRow[]>();
    for (const entry of todo) {
      for (const m of byRecord.get(entry.recordId)!.rows) {
        const list = rows.get(m.table) ?? [];
        list.push(m.row);
        rows.set(m.table, list);
      }
    }
    return { entries: todo, rows, maxUpdatedAt, records: records.length };
  }

  async function redeliverRecord(input: { connectionId: string; runKey: string; entity: FreshBooksEntity; recordId: string }): Promise<SyncPagesResult> {
    return translated(async () => {
      const c = await runtime.connection(input.connectionId);
      const record = await runtime.freshbooks(c).get(input.entity, input.recordId);
      if (!record) return { nextPage: null, pagesRead: 0, records: 0, delivered: 0, rows: 0 };
      const syncInput: SyncPagesInput = { ...input, pass: 'changes', mode: 'incremental', force: true, startPage: 1, maxPages: 1 };
      const delivery = await collect(syncInput, c.source, [record]);
      const wh = await runtime.warehouse(c);
      const batchKey = batchKeyOf([input.connectionId, 'redeliver', input.runKey, ...delivery.entries.map((e) => e.version)]);
      let rows = 0;
      for (const [table, tableRows] of delivery.rows) {
        for (const r of tableRows) r.json._batch_id = batchKey;
        await writeRows(wh, c.destination, table, tableRows, { batchKey, preferLoad: false, knownColumns });
        rows += tableRows.length;
      }
      await deps.ledger.markDelivered(input.connectionId, input.entity, batchKey, delivery.entries);
      return { nextPage: null, pagesRead: 1, records: 1, delivered: delivery.entries.length, rows, batchKey };
    });
  }

  async function recordSyncRun(connectionId: string, run: RunSummary): Promise<void> {
    const { runKey, mode, reason, startedAt, finishedAt, entities, error } = run;
    await deps.runs.record(connectionId, { runKey, mode: `${mode}:${reason}`, startedAt, finishedAt: finishedAt ?? null, stats: entities, error: error ?? null });
  }

  return { loadSyncPlan, prepareDestination, syncPages, redeliverRecord, recordSyncRun };
}

function inWindow(updatedAt: string | null, w: { from?: string; to?: string }): boolean {
  if (!updatedAt) return false;
  const t = Date.parse(updatedAt);
  return (!w.from || t >= Date.parse(w.from)) && (!w.to || t < Date.parse(w.to));
}

export type { BigQueryDestinationConfig };
