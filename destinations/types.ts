import type { z } from 'zod';
import type { AppConfig } from '../common/config';
import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { DatasetPacing } from '../connectors/powerbi';
import type { CredentialKind, CredentialStore } from '../db/credentials';
import type { Db } from '../db/pool';
import type { DestinationType } from '../contracts/destination-kinds';
import type { FailureType } from '../contracts/failures';
import type { WarehouseLocation } from '../mapping/lookml';

/** Records of one entity that the ledger says are not delivered yet, and how to write them. */
export interface RecordBatch {
  entity: FreshBooksEntity;
  records: Record<string, unknown>[];
  /**
   * Each record's version token (recordVersion's `token`), in the order of `records`, when the caller has
   * them: mapping then does not hash every record a second time.
   */
  versionTokens?: readonly string[];
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
  /** Replaces a whole table; called for the entities in the module's `traits.snapshotEntities`. */
  replaceSnapshot(entity: FreshBooksEntity, records: Record<string, unknown>[], batch: Omit<RecordBatch, 'entity' | 'records' | 'tombstones'>): Promise<number>;
  /** Empties every table so the next full run re-sends current state (corrections on append-only stores). */
  reset(): Promise<void>;
  /** Brings the destination's schema to the expected one; what a person asks for after a mismatch. */
  updateSchema(): Promise<string[]>;
  /**
   * Called once a full run has read and delivered everything (again after a retry or a crash, so it must be
   * safe to repeat): Tableau publishes its staged first sync here as one file.
   */
  finishFullRun?(): Promise<void>;
  /**
   * Destinations that can be queried (warehouses): what they hold as current for an entity (latest
   * versions, records deleted at the source excluded), for the reconciliation report. Absent where the
   * destination cannot be read back (Power BI push datasets, Tableau): the delivery ledger stands in.
   */
  inventory?(entity: FreshBooksEntity, moneyColumns: readonly string[]): Promise<DestinationInventory>;
}

/** An entity's current rows at a destination: their record ids, and per-currency sums of money columns. */
export interface DestinationInventory {
  ids: string[];
  sums: { column: string; currency: string; total: string }[];
}

/** What a destination is like, which the plan, the API and the workflow ask instead of naming types. */
export interface DestinationTraits {
  /**
   * Rows cannot be updated in place: corrections need a rebuild (empty and re-send), and a schema
   * mismatch needs the explicit update-schema action. Destinations that keep every version say false.
   */
  appendOnly: boolean;
  /**
   * Entities kept as whole-table snapshots (dimension tables) rather than appended changes; they are
   * re-sent on a schedule by `replaceSnapshot`. Empty for destinations that can hold versions of all.
   */
  snapshotEntities: readonly FreshBooksEntity[];
  /** What a new connection syncs unless told which entities. */
  defaultEntities: readonly FreshBooksEntity[];
  /**
   * How long webhook changes gather after the first pending one before they are delivered, so a burst
   * becomes one delivery (a Tableau Update Data job costs seconds whatever its size). A connection's
   * `settings.deliveryWindowMs` overrides it. Absent = 0: delivered as they come.
   */
  deliveryWindowMs?: number;
  /**
   * The destination takes a whole first sync at once (Tableau publishes it as one file): the workflow calls
   * `finishFullRun` after each complete full run. Absent: never called, and nothing about it enters history.
   */
  finishesFullRun?: true;
}

/** How an error from a destination's API should be treated by Temporal: its failure type, and whether a retry can help. */
export interface DestinationErrorClass {
  type: FailureType;
  /** Must agree with FAILURES[type].retryable (contracts/failures.ts). */
  retryable: boolean;
  /** For a retryable error that said when to come back (Retry-After). */
  retryAfterMs?: number;
}

/** An input field the destination's real system refused at the on-entry check; the API answers 400 naming it. */
export class DestinationInputError extends Error {
  override name = 'DestinationInputError';
  /** `field` is relative to the destination object, e.g. `clientSecret`. */
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** What sealing a destination's input needs: where its real system is, and a sealer for its secret. */
export interface SealDeps {
  config: AppConfig;
  /** Seals the secret under the module's `credentialKind`; returns the credential id the config keeps. */
  sealSecret<S>(secret: S, metadata: Record<string, unknown>): Promise<string>;
  /** Seals a secret of a block the destination carries (a Looker API key) under that block's own kind. */
  sealAs<S>(kind: CredentialKind, secret: S, metadata: Record<string, unknown>): Promise<string>;
}

/** What telling them came to: an error is reported, never thrown, so announcing cannot fail a delivery. */
export type AnnounceOutcome =
  | { ok: true; announced: number }
  | { ok: false; error: string; retryAfterMs?: number };

/**
 * "After a delivery that changed rows has committed, announce it": for tools that cache what they read
 * from the destination (a BI tool's datagroups). The workflow asks the plan whether a connection has
 * one and how often it may announce; it never knows whom it tells.
 */
export interface AfterDeliveryHook<Config> {
  /** Seconds between announcements for this config; undefined when this config asks for none. */
  windowSec(config: Config): number | undefined;
  /** Called once per worker runtime; the function it returns announces for one config. */
  announcer(env: DestinationEnv): (config: Config) => Promise<AnnounceOutcome>;
}

/** What a worker process shares with every adapter it opens (clients' rate limits, caches' stores). */
export interface DestinationEnv {
  config: AppConfig;
  credentials: CredentialStore;
  /** Power BI's per-dataset limits (5 pending, 120 posts a minute, 1,000,000 rows an hour), shared by every worker. */
  powerbiPacer: DatasetPacing;
  /** The service's database, for destinations that keep state across processes (Tableau's PAT leases and job audit). */
  db: Db;
}

/** Which connection an adapter is opened for: destinations that key requests or audit rows by connection (Tableau). */
export interface DestinationContext {
  connectionId: string;
}

/** Opens adapters for stored configs; holds what outlives one activity (tokens, dataset ids, known columns). */
export type DestinationOpener<Config> = (config: Config, ctx: DestinationContext) => Promise<Destination>;

/**
 * One destination type, whole: its API input, the check and sealing done on entry, the adapter that
 * writes, its traits and how its errors are classified. `registry.ts` lists one per type.
 */
export interface DestinationModule<T extends DestinationType, Schema extends z.ZodObject<z.core.$ZodLooseShape, z.core.$ZodObjectConfig>, Config> {
  type: T;
  /** The connection kind its connections have. */
  kind: `freshbooks_${T}`;
  /** The kind its sealed secret is stored under. */
  credentialKind: CredentialKind;
  /** The `destination` object of the create-connections request. */
  input: Schema;
  /**
   * "Add your credentials, ping your real systems": checks the input against the real system, seals its
   * secret, and returns what the connection stores (the secret's credential id, never the secret).
   * Throws DestinationInputError naming a refused field.
   */
  seal(input: z.output<Schema> & { type: T }, deps: SealDeps): Promise<Config>;
  /** Called once per worker runtime; the opener it returns is called per activity. */
  opener(env: DestinationEnv): DestinationOpener<Config>;
  traits: DestinationTraits;
  /**
   * Warehouses only (absent for Power BI): where a connection's tables are, for SQL tools reading them
   * (the generated LookML). The `_latest` views are named after the tables (mapping/lookml/dialect.ts).
   */
  sqlWarehouse?(config: Config): WarehouseLocation;
  /** Present when this destination's connections can announce committed deliveries. */
  afterDelivery?: AfterDeliveryHook<Config>;
  /** Classifies this destination's API errors; undefined for errors it does not know. */
  classifyError(err: unknown): DestinationErrorClass | undefined;
}
