import type { FreshBooksEntity } from '../common/freshbooks-entities';

export type SyncMode = 'incremental' | 'full';

export interface SyncRequest {
  mode: SyncMode;
  reason: 'initial' | 'schedule' | 'manual' | 'reconcile';
}

/** Re-deliver one record, or every record updated in [from, to), ignoring the delivery ledger. */
export interface RedeliverRequest {
  entity: FreshBooksEntity;
  recordId?: string;
  from?: string;
  to?: string;
}

/** Which part of an entity a sync pass reads. */
export type SyncPass = 'changes' | 'deleted';

export interface SyncPlan {
  status: 'active' | 'needs_reauth' | 'paused' | 'deleted';
  entities: FreshBooksEntity[];
  pollIntervalSec: number;
  reconcileEveryHours: number;
}

export interface SyncPagesInput {
  connectionId: string;
  runKey: string;
  entity: FreshBooksEntity;
  pass: SyncPass;
  mode: SyncMode;
  /** Cursor: newest `updated` (UTC ISO) delivered so far; absent means read everything. */
  since?: string;
  /** Inclusive/exclusive UTC bounds for a re-delivery window. */
  window?: { from?: string; to?: string };
  /** Ignore the delivery ledger (re-delivery). */
  force?: boolean;
  startPage: number;
  maxPages: number;
}

export interface SyncPagesResult {
  nextPage: number | null;
  pagesRead: number;
  records: number;
  delivered: number;
  rows: number;
  maxUpdatedAt?: string;
  /** The batch written (load-job id suffix / `_batch_id` column): history links to warehouse rows. */
  batchKey?: string;
}

export interface EntityRunStats {
  records: number;
  delivered: number;
  rows: number;
  pages: number;
}

export interface RunSummary {
  runKey: string;
  mode: SyncMode;
  reason: SyncRequest['reason'] | 'redeliver';
  startedAt: string;
  finishedAt?: string;
  entities: Partial<Record<FreshBooksEntity, EntityRunStats>>;
  error?: string;
}

export interface RefreshResult {
  version: number;
  expiresAt: number;
  needsReauth: boolean;
}
