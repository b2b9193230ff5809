import type { FreshBooksEntity } from '../../common/freshbooks-entities';

/** Records of one entity that the ledger says are not delivered yet, and how to write them. */
export interface RecordBatch {
  entity: FreshBooksEntity;
  records: Record<string, unknown>[];
  /** Records FreshBooks reported deleted and can no longer return (hard deletes). */
  tombstones: { recordId: string; deletedAt: string }[];
  /** Deterministic id of this batch: load-job id suffix, `_batch_id` / `BatchId` column. */
  batchKey: string;
  /** A backfill or re-delivery: prefer bulk paths over low-latency ones. */
  bulk: boolean;
  source: { accountId: string; businessId: number };
}

/** How a connection's rows reach their destination. One implementation per destination type. */
export interface Destination {
  /** Creates or checks what the destination needs (dataset, tables, schema) before any write. */
  prepare(): Promise<void>;
  /** Writes a batch; returns the number of rows written. Must be safe to repeat with the same batch. */
  deliver(batch: RecordBatch): Promise<number>;
  /**
   * Entities kept as whole-table snapshots (dimension tables) rather than appended changes; they are
   * re-sent on a schedule by `replaceSnapshot`. Empty for destinations that can hold versions of all.
   */
  readonly snapshotEntities: readonly FreshBooksEntity[];
  replaceSnapshot(entity: FreshBooksEntity, records: Record<string, unknown>[], batch: Omit<RecordBatch, 'entity' | 'records' | 'tombstones'>): Promise<number>;
  /** Empties every table so the next full run re-sends current state (corrections on append-only stores). */
  reset(): Promise<void>;
  /** Brings the destination's schema to the expected one; what a person asks for after a mismatch. */
  updateSchema(): Promise<string[]>;
}
