import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { Logger } from '../common/logger';
import type { DeliveryLedger, LedgerEntry } from '../db/delivery-ledger';
import type { ServiceCounters } from '../db/service-counters';
import { untilPostgresAnswers } from '../db/unreachable';
import { batchKeyOf } from '../destinations/bigquery/writes';
import type { Destination } from '../destinations/types';
import { recordVersion } from '../mapping/freshbooks';
import type { Connection } from './connection-runtime';

export interface DeliverOptions {
  /** Ignore the ledger (re-delivery). */
  force?: boolean;
  window?: { from?: string; to?: string };
  bulk: boolean;
  /** Extra parts of the batch key, so two deliberate re-sends of one version are two batches. */
  salt?: string[];
  tombstones?: { recordId: string; deletedAt: string }[];
}

export interface Delivered {
  records: number;
  delivered: number;
  rows: number;
  maxUpdatedAt?: string;
  batchKey?: string;
}

/**
 * Keeps the records whose version the ledger has not delivered, writes them as one batch, then
 * records them. Polling, re-delivery and webhooks all come through here, so one version goes out once.
 */
export interface DeliverDeps {
  ledger: Pick<DeliveryLedger, 'undelivered' | 'markDelivered'>;
  counters: Pick<ServiceCounters, 'add'>;
  logger: Logger;
}

export async function deliverRecords({ ledger, counters, logger }: DeliverDeps, c: Connection, dest: Destination, entity: FreshBooksEntity, records: Record<string, unknown>[], o: DeliverOptions): Promise<Delivered> {
  const byRecord = new Map<string, { entry: LedgerEntry; record: Record<string, unknown>; token: string }>();
  let maxUpdatedAt: string | undefined;
  for (const record of records) {
    const v = recordVersion(entity, record, c.freshbooks.accountId);
    if (o.window && !inWindow(v.updatedAt, o.window)) continue;
    if (v.updatedAt && (!maxUpdatedAt || v.updatedAt > maxUpdatedAt)) maxUpdatedAt = v.updatedAt;
    byRecord.set(v.recordId, { entry: { recordId: v.recordId, version: v.version, updatedAt: v.updatedAt }, record, token: v.token });
  }
  const tombstones = (o.tombstones ?? []).map((t) => ({ ...t, entry: { recordId: t.recordId, version: `deleted:${t.recordId}`, updatedAt: t.deletedAt } }));
  const entries = [...[...byRecord.values()].map((v) => v.entry), ...tombstones.map((t) => t.entry)];
  const todo = o.force ? entries : await ledger.undelivered(c.id, entity, entries);
  const base = { records: records.length + tombstones.length, delivered: todo.length, ...(maxUpdatedAt ? { maxUpdatedAt } : {}) };
  if (todo.length === 0) return { ...base, rows: 0 };
  // Job ids are unique per project: the connection is part of the key, so two connections of one
  // business writing to two datasets never share a job.
  const batchKey = batchKeyOf([c.id, ...(o.salt ?? []), ...todo.map((e) => e.version)]);
  const pending = new Set(todo.map((e) => e.recordId));
  const sent = [...byRecord.values()].filter((v) => pending.has(v.entry.recordId));
  const rows = await dest.deliver({
    entity, batchKey, bulk: o.bulk, source: c.freshbooks,
    records: sent.map((v) => v.record), versionTokens: sent.map((v) => v.token),
    tombstones: tombstones.filter((t) => pending.has(t.recordId)).map(({ recordId, deletedAt }) => ({ recordId, deletedAt })),
  });
  // The rows are at the destination now. A ledger write lost to a Postgres outage would fail the attempt and
  // its retry would send them again, which a Power BI push dataset (no idempotency key) keeps twice: the
  // write waits the outage out instead, the activity heartbeating meanwhile.
  await untilPostgresAnswers(() => ledger.markDelivered(c.id, entity, batchKey, todo));
  // Every path that delivers (pages, webhook changes, re-deliveries, tombstones) passes here, so this one count
  // is the metric. Counted after the fact: a failed count is logged, never a failed delivery.
  await counters.add([{ metric: 'records_delivered', label: c.destination.type, events: todo.length }])
    .catch((err: unknown) => logger.warn({ err: { name: (err as Error)?.name } }, 'records delivered not counted for /metrics'));
  return { ...base, rows, batchKey };
}


function inWindow(updatedAt: string | null, w: { from?: string; to?: string }): boolean {
  if (!updatedAt) return false;
  const t = Date.parse(updatedAt);
  return (!w.from || t >= Date.parse(w.from)) && (!w.to || t < Date.parse(w.to));
}
