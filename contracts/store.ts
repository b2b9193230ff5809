/** How the service talks to a BigCommerce store's workflow (`store/<id>`), and what its sweep activities return. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

// The names below are what running workflows and their histories know these by: never rename them.
export const storeSyncSignal = defineSignal('storeSync');
export const storeStopSignal = defineSignal('storeStop');
/** Runs started under the old id (`connection/<id>`, before 2026-11-22) are stopped by this name. */
export const legacyStopSignal = defineSignal('stop');
/** Paused or resumed (the connection's status in Postgres says which): read the plan again now. */
export const storePlanChangedSignal = defineSignal('storePlanChanged');
/** A store customer changed: bring its FreshBooks client (if it has one) in line. */
export const customerChangedSignal = defineSignal<[customerId: number]>('customerChanged');
export const storeStatusQuery = defineQuery<StoreWorkflowStatus>('storeStatus');

export interface StoreCursor {
  since?: string;
  seenAtSince: number[];
}

export interface StoreWorkflowInput {
  connectionId: string;
  cursor?: StoreCursor;
  polls?: number;
  /** What the previous run had acknowledged and not yet acted on, carried through continue-as-new. */
  carried?: StoreCarried;
  /** Behaviour changes this run was born with, instead of patch markers (see ConnectionWorkflowInput.patches). */
  patches?: StorePatch[];
}

export const STORE_PATCHES = ['sweep-works-orders'] as const;
export type StorePatch = typeof STORE_PATCHES[number];

export interface StoreCarried {
  syncRequested: boolean;
  customers: number[];
  nextSweepAt: number;
}

export interface StoreWorkflowStatus {
  connectionId: string;
  phase: 'polling' | 'waiting' | 'paused';
  cursor: StoreCursor;
  polls: number;
  lastPoll?: { at: string; signalled: number; worked?: number; pages?: number };
  hooks?: HookCheck & { error?: string };
  lastError?: string;
  clientsAligned: number;
}

export type StoreWorkflow = (input: StoreWorkflowInput) => Promise<void>;

export interface StorePollInput {
  connectionId: string;
  since?: string;
  /** Orders already handed over at exactly `since` (the filter is inclusive). */
  seenAtSince: number[];
  page: number;
}

export interface StorePollResult {
  signalled: number;
  maxModified?: string;
  idsAtMax: number[];
  more: boolean;
}

export interface HookCheck {
  scopes: string[];
  created: number;
  reactivated: number;
  updated: number;
}

/** One order the sweep worked itself, as the store workflow's history records it. */
export interface SweptOrder {
  orderId: number;
  state: string;
  invoiceId?: number;
  paymentIds: number[];
  creditNoteIds: number[];
  reason?: string;
}

/** One page of the sweep: orders worked in the batch, orders handed to their own workflows, and the cursor. */
export interface StoreSweepResult {
  listed: number;
  worked: SweptOrder[];
  /** Busy with their own workflow, or failed here: their workflows were signalled and retry them. */
  handedOver: number[];
  /** Orders at the front of the page that are done; the cursor moved past these only. */
  done: number;
  maxModified?: string;
  idsAtMax: number[];
  more: boolean;
}
