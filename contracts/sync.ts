/** What the connection workflow and its activities exchange: ids, cursors and counts, never records. */
import type { FreshBooksEntity } from '../common/freshbooks-entities';

export type SyncMode = 'incremental' | 'full';

export interface SyncRequest {
  mode: SyncMode;
  reason: 'initial' | 'schedule' | 'manual' | 'reconcile' | 'rebuild';
}

/** Actions a person takes on an append-only destination: re-send everything, or align its schema first. */
export interface MaintenanceRequest {
  action: 'rebuild' | 'update_schema';
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
  status: 'active' | 'needs_reauth' | 'paused' | 'deleted' | 'destination_auth';
  /** Entities read as change streams. */
  entities: FreshBooksEntity[];
  /** Entities the destination keeps as whole-table snapshots (Power BI dimension tables). */
  snapshots: FreshBooksEntity[];
  /** Whether FreshBooks callbacks should exist for this connection. */
  webhooks: boolean;
  pollIntervalSec: number;
  reconcileEveryHours: number;
  /**
   * Present when the destination announces deliveries that changed rows once they have committed (a BI
   * tool told to refresh): at most one announcement per window.
   */
  announce?: { windowSec: number };
  /** Present (> 0) when webhook changes gather this long after the first pending one, to go out as one delivery. */
  deliveryWindowMs?: number;
  /** Present when the destination takes a whole first sync at once: finishFullRun after each complete full run. */
  finishesFullRun?: true;
  /** The worker's ACTIVITY_HEARTBEAT_TIMEOUT_SEC, for the run's activities; absent in plans made before it was configurable (30 s). */
  heartbeatTimeoutSec?: number;
  /** The worker's WORKFLOW_IDLE_HISTORY_EVENTS ('short-idle-history'); absent or 0: no early continue-as-new. */
  idleHistoryEvents?: number;
}

/** What announcing came to; an error is reported, not thrown, so the workflow backs off on its own timer. */
export type AnnounceResult = { ok: true; announced: number } | { ok: false; error: string; retryAfterMs?: number };

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
  /** `total` of the pass's first page: a page reporting another total means the list moved while it was read. */
  expectTotal?: number;
}

/**
 * Several entities' passes read from their first page in one activity ('first-pages-together'): what a
 * quiet incremental poll is almost entirely made of, one activity instead of two per entity.
 */
export interface SyncFirstPagesInput {
  connectionId: string;
  runKey: string;
  mode: SyncMode;
  entities: { entity: FreshBooksEntity; since?: string }[];
  /** Pages per pass at most, as one page batch of syncPages. */
  maxPages: number;
}

/**
 * Per entity, in the input's order, the page batches read: the changes pass's, then the deleted pass's
 * only if the changes pass was read to its end without the list moving. The run goes on from there.
 */
export interface FirstPagesResult {
  entity: FreshBooksEntity;
  batches: SyncPagesResult[];
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
  /** `total` of the first page this call read. */
  total?: number;
  /** A page reported a `total` other than `expectTotal` (or this call's first page): rows may have shifted between pages. */
  shifted?: boolean;
  /**
   * How long a delivery of webhook changes took, measured by the activity (a local activity's time does not
   * show in workflow time, which moves only with workflow tasks).
   */
  elapsedMs?: number;
}

export interface EntityRunStats {
  records: number;
  delivered: number;
  rows: number;
  pages: number;
  /** Passes read again because the list changed while it was read. */
  rereads?: number;
  /** Still changing after the last re-read: records may have been skipped, so the run is not complete. */
  incomplete?: boolean;
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

/** A FreshBooks webhook, as the workflow keeps it: ids only, never the signed body. */
export interface WebhookChange {
  entity: FreshBooksEntity;
  recordId: string;
  /** The event said the record was deleted: if it can no longer be fetched, write a tombstone. */
  deleted: boolean;
  /** When the API accepted it (UTC ISO). */
  receivedAt: string;
}

export interface ChangeBatchInput {
  connectionId: string;
  runKey: string;
  changes: WebhookChange[];
}

export interface SnapshotResult {
  entity: FreshBooksEntity;
  records: number;
  rows: number;
  replaced: boolean;
}

/** What one check of a connection's FreshBooks callbacks found and did. */
export interface WebhookCheck {
  wanted: number;
  verified: number;
  registered: number;
  awaitingVerification: number;
}
