/** How the service talks to a connection's workflow (`connection/<id>`): its messages, input and status. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReconciliationStatus, ReconciliationTrigger } from './reconciliation';
import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { MaintenanceRequest, RedeliverRequest, RunSummary, SyncRequest, WebhookChange } from './sync';

// The names below are what running workflows and their histories know these by: never rename them.
export const requestSyncSignal = defineSignal<[SyncRequest]>('requestSync');
export const redeliverSignal = defineSignal<[RedeliverRequest]>('redeliver');
export const pauseSignal = defineSignal<[paused: boolean]>('pause');
export const stopSignal = defineSignal('stop');
/** A verified FreshBooks webhook: ids only. Bursts coalesce per record before anything is fetched. */
export const webhookChangesSignal = defineSignal<[WebhookChange[]]>('webhookChanges');
/** FreshBooks posted a callback's verifier (stored sealed by the API); confirm it. */
export const webhookVerifierSignal = defineSignal<[callbackId: number]>('webhookVerifier');
export const checkWebhooksSignal = defineSignal('checkWebhooks');
export const maintenanceSignal = defineSignal<[MaintenanceRequest]>('maintenance');
export const statusQuery = defineQuery<ConnectionWorkflowStatus>('status');
/** Make a reconciliation report now; answers once it is stored (the report itself is read from Postgres, never history). */
export const reconcileUpdate = defineUpdate<ReconcileOutcome>('reconcile');
/** Why the workflow refuses a reconcile update while the connection is paused (the API answers 409 with it). */
export const RECONCILE_REFUSED_PAUSED = 'connection is paused; resume it before reconciling';

/** What a reconciliation returns to the workflow: the stored report's id and verdict, no record ids. */
export interface ReconcileOutcome {
  reportId: string;
  status: ReconciliationStatus;
}

export interface ReconcileInput {
  connectionId: string;
  trigger: ReconciliationTrigger;
}

export interface StreamCursor {
  since?: string;
}

/**
 * What the pages of the pass being read reported so far. FreshBooks pages by offset: a record that
 * leaves or joins the list while a pass is read moves the later ones across page boundaries
 * (workflows/pass-reading.ts). A pass spans several activities, so this travels in the run's position.
 */
export interface PassReading {
  /** `total` of the pass's first page. */
  total?: number;
  items: number;
  shifted: boolean;
  /** 1 for the first read of the pass. */
  reads: number;
  /** Began at page 1 (a run resumed by older code may not have), so `items` can be held against `total`. */
  fromStart: boolean;
}

/** Where the reading of one entity stands: its pass, the next page, what the pass reported, the newest `updated` seen. */
export interface EntityReading {
  passIndex: number;
  page: number;
  maxUpdatedAt?: string;
  /** What the current pass's pages reported so far. */
  reading?: PassReading;
}

/** One of the entities a run reads at once ('concurrent-entities'). */
export interface RunLane extends EntityReading {
  entity: FreshBooksEntity;
}

/** Where an unfinished run stands, so continue-as-new or a new worker picks up at the same page. */
export interface RunPosition extends EntityReading {
  summary: RunSummary;
  /** The entity being read (with `lanes`: the next one of the plan's to hand to a lane). */
  entityIndex: number;
  /** The entity being read, for the status query (also across continue-as-new). */
  entity?: FreshBooksEntity;
  /**
   * Present in runs that read several entities at once: each lane's entity and where its reading stands,
   * so a new run resumes every lane (`passIndex`, `page`, … above are then unused).
   */
  lanes?: RunLane[];
}

/** Everything the workflow knows, handed over whole through continue-as-new (the status query shows it). */
export interface ConnectionState {
  /** Absent in state handed over by older code: read as 'waiting'. */
  phase?: ConnectionWorkflowStatus['phase'];
  /** When the waiting poll timer fires (epoch ms), so continue-as-new does not push the poll back. */
  nextPollAt?: number;
  cursors: Partial<Record<FreshBooksEntity, StreamCursor>>;
  lastFullSyncAt?: number;
  lastRun?: RunSummary;
  pending: SyncRequest[];
  redeliveries: RedeliverRequest[];
  position?: RunPosition;
  paused: boolean;
  consecutiveFailures: number;
  /** Webhook changes not yet delivered, one per record (later events for a record replace earlier ones). */
  changes: Record<string, WebhookChange>;
  /** When the oldest of `changes` arrived (workflow time, epoch ms): the delivery window runs from it. */
  changesSince?: number;
  verifications: number[];
  webhookCheckDue: boolean;
  /** When the callbacks were last checked at FreshBooks (workflow time, epoch ms); absent until the first check. */
  lastWebhookCheckAt?: number;
  maintenance: MaintenanceRequest[];
  webhookStats: WebhookStats;
  /** Absent until a delivery first changed rows on a connection that announces deliveries. */
  announce?: AnnounceState;
  /** The last ConnectionListState written to Postgres (its JSON), so continue-as-new does not write it again. */
  listed?: string;
}

/**
 * What the connections list shows of a workflow, written to Postgres by the workflow when it changes
 * (run start and end, pause and resume, backing off, waiting for re-authorization, a webhook error
 * appearing or clearing), so the list reads one table instead of querying every workflow.
 */
export interface ConnectionListState {
  connectionId: string;
  phase: ConnectionWorkflowStatus['phase'];
  nextPollAt: string | null;
  consecutiveFailures: number;
  webhookError: string | null;
}

/**
 * Announcing committed deliveries (a BI tool told to refresh): one announcement per window at most;
 * deliveries that commit inside a window are announced when it ends. Carried through continue-as-new.
 */
export interface AnnounceState {
  /** A delivery changed rows after the last announcement was sent. */
  pending: boolean;
  /** When the first unannounced delivery committed (epoch ms): its window ends `windowMs` later. */
  pendingSince?: number;
  windowMs: number;
  /** When the last announcement succeeded (epoch ms). */
  lastAnnouncedAt?: number;
  lastError?: string;
  /** Failed attempts since the last success: the retry backoff's exponent. */
  failures: number;
  /** Not before (epoch ms): after a failure, the backoff or the service's Retry-After. */
  retryAt?: number;
}

/** What the status shows of announcements: Looker datagroup triggers are the one kind there is. */
export interface AnnounceStatus {
  lastTriggeredAt?: string;
  pending: boolean;
  lastError?: string;
}

/**
 * The status's view of the announcement state, under the name the API shows it by. An announcement
 * in flight is still pending: it is owed until Looker has accepted it.
 */
export function announceStatus(a: AnnounceState | undefined, inFlight: boolean): Pick<ConnectionWorkflowStatus, 'looker'> {
  if (!a) return {};
  return {
    looker: {
      pending: a.pending || inFlight,
      ...(a.lastAnnouncedAt !== undefined ? { lastTriggeredAt: new Date(a.lastAnnouncedAt).toISOString() } : {}),
      ...(a.lastError !== undefined ? { lastError: a.lastError } : {}),
    },
  };
}

export interface WebhookStats {
  received: number;
  delivered: number;
  batches: number;
  lastBatchAt?: string;
  lastError?: string;
  /** How long the last delivery of webhook changes took (fetch, write, and for Tableau the Update Data job). */
  lastDeliveryMs?: number;
}

export interface ConnectionWorkflowInput {
  connectionId: string;
  /** The state a previous run handed over through continue-as-new. */
  state?: ConnectionState;
  /** History length past which the workflow continues as new (default 1,500); tests lower it. */
  maxHistoryEvents?: number;
  /**
   * The behaviour changes this run was born with. Carried by the input instead of `patched()` markers,
   * which the SDK core writes as plain JSON outside the payload codec: every run started or continued by
   * current code lists them all and never writes a marker; a run begun before one existed replays by its
   * marker (or its absence).
   */
  patches?: ConnectionPatch[];
  /** Legacy spelling of `patches` including 'reports-after-full-run', in runs started before the list. */
  reportsAfterFullRun?: boolean;
}

/** Every behaviour change a connection workflow started by current code has (see ConnectionWorkflowInput.patches). */
export const CONNECTION_PATCHES = [
  'webhook-delivery-window', 'reread-shifted-pass', 'finish-full-run', 'stop-on-destination-reauth', 'announce-deliveries', 'reports-after-full-run',
  'list-state-in-postgres', 'local-first-delivery', 'concurrent-entities', 'first-pages-together', 'verifiers-beside-work',
  'plan-reused-after-run', 'callback-check-hourly', 'short-idle-history', 'one-poll-timer', 'plan-reused-for-run', 'local-bookkeeping',
  'list-row-in-loop',
] as const;
export type ConnectionPatch = typeof CONNECTION_PATCHES[number];

export interface ConnectionWorkflowStatus {
  connectionId: string;
  phase: 'waiting' | 'syncing' | 'paused' | 'needs_reauth' | 'destination_auth' | 'backing_off' | 'schema_mismatch';
  cursors: ConnectionState['cursors'];
  lastRun?: RunSummary;
  currentRun?: { summary: RunSummary; entity?: FreshBooksEntity; page: number };
  nextPollAt?: string;
  consecutiveFailures: number;
  webhooks: WebhookStats & { pending: number };
  /** Present once a delivery changed rows on a connection whose destination announces them. */
  looker?: AnnounceStatus;
}

export type ConnectionWorkflow = (input: ConnectionWorkflowInput) => Promise<void>;
