/**
 * The activities, as the workflows call them (`proxyActivities<Activities>`): names, inputs and
 * results. activities/index.ts implements this interface, so a workflow needs no activity code to be
 * typed, and an activity that changes its signature fails to compile until this contract agrees.
 */
import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { ConnectionListState, ReconcileInput, ReconcileOutcome } from './connection';
import type { HistoryExportActivities } from './history-export';
import type { RefreshResult } from './credential';
import type { CaptureToRecord, InvoiceRef, OrderEvent, OrderOutcome, OrderReading, RefundToApply } from './order';
import type { HookCheck, StorePollInput, StorePollResult, StoreSweepResult } from './store';
import type {
  AnnounceResult, ChangeBatchInput, FirstPagesResult, RunSummary, SnapshotResult, SyncFirstPagesInput, SyncPagesInput, SyncPagesResult, SyncPlan, WebhookCheck,
} from './sync';

/** The credential workflow's: the only code that rotates a FreshBooks refresh token. */
export interface CredentialActivities {
  readGrantState(credentialId: string): Promise<RefreshResult>;
  refreshFreshBooksGrant(input: { credentialId: string; expectedVersion: number }): Promise<RefreshResult>;
}

/** The connection workflow's: read FreshBooks, deliver to the destination, keep its callbacks. */
export interface ConnectionActivities {
  loadSyncPlan(connectionId: string): Promise<SyncPlan>;
  prepareDestination(connectionId: string): Promise<void>;
  /** After a full run delivered everything: what the destination does then (Tableau publishes its staged first sync). */
  finishFullRun(connectionId: string): Promise<void>;
  syncPages(input: SyncPagesInput): Promise<SyncPagesResult>;
  syncFirstPages(input: SyncFirstPagesInput): Promise<FirstPagesResult[]>;
  deliverChanges(input: ChangeBatchInput): Promise<SyncPagesResult>;
  refreshSnapshots(input: { connectionId: string; runKey: string; entities: FreshBooksEntity[] }): Promise<SnapshotResult[]>;
  redeliverRecord(input: { connectionId: string; runKey: string; entity: FreshBooksEntity; recordId: string }): Promise<SyncPagesResult>;
  resetDestination(connectionId: string): Promise<void>;
  updateDestinationSchema(connectionId: string): Promise<string[]>;
  recordSyncRun(connectionId: string, run: RunSummary): Promise<void>;
  /** Stores what the connections list shows of the workflow (phase, next poll, webhook error). */
  recordListState(state: ConnectionListState): Promise<void>;
  ensureWebhooks(connectionId: string): Promise<WebhookCheck>;
  confirmWebhooks(input: { connectionId: string; callbackIds: number[] }): Promise<number[]>;
  removeWebhooks(connectionId: string): Promise<number>;
  /** Tells the destination's after-delivery hook that committed rows changed (Looker: triggers the datagroups). */
  announceDelivery(connectionId: string): Promise<AnnounceResult>;
  /** Compares the source with the destination, tombstones records deleted outright, stores the report. */
  reconcileConnection(input: ReconcileInput): Promise<ReconcileOutcome>;
}

export interface OrderRef {
  connectionId: string;
  orderId: number;
}

/** The order workflow's: one step of an order's pass each, plus where the order stands. */
export interface OrderActivities {
  readOrder(input: OrderRef): Promise<OrderReading>;
  ensureInvoice(input: OrderRef & { reading: OrderReading }): Promise<InvoiceRef>;
  markInvoiceSent(input: OrderRef & { invoiceId: number }): Promise<number>;
  recordPayment(input: OrderRef & { invoice: InvoiceRef; capture: CaptureToRecord }): Promise<{ paymentId: number; created: boolean }>;
  applyRefund(input: OrderRef & { invoice: InvoiceRef; refund: RefundToApply }): Promise<{ creditNoteId: number; created: boolean }>;
  loadOrderOutcome(input: OrderRef): Promise<OrderOutcome | null>;
  saveOrderOutcome(input: { connectionId: string; outcome: OrderOutcome; events: OrderEvent[] }): Promise<void>;
}

/** The store workflow's: hooks, the sweep, and customers' FreshBooks clients. */
export interface StoreActivities {
  loadStorePlan(connectionId: string): Promise<{ status: string; pollIntervalSec: number; backfillSince?: string }>;
  ensureStoreHooks(connectionId: string): Promise<HookCheck>;
  removeStoreHooks(connectionId: string): Promise<number>;
  sweepStoreOrders(input: StorePollInput): Promise<StoreSweepResult>;
  /** The sweep before 2026-11-21, kept for the runs whose histories still schedule it. */
  pollStoreOrders(input: StorePollInput): Promise<StorePollResult>;
  alignClient(input: { connectionId: string; customerId: number }): Promise<boolean>;
}

/** Every activity one worker registers. */
export interface Activities extends CredentialActivities, ConnectionActivities, OrderActivities, StoreActivities, HistoryExportActivities {}
