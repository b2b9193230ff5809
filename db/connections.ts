import type { DestinationKind, DestinationType } from '../contracts/destination-kinds';
import type { Db } from './pool';

/** A BigCommerce store feeding a FreshBooks business. */
export const STORE_KIND = 'bigcommerce_freshbooks';
export type StoreKind = typeof STORE_KIND;
/** FreshBooks feeding one of the registry's destinations, or a BigCommerce store feeding FreshBooks. */
export type ConnectionKind = DestinationKind | StoreKind;
export type ConnectionStatus = 'active' | 'needs_reauth' | 'paused' | 'deleted' | 'destination_auth';

/** A connection's FreshBooks side: the business, and the grant that reaches it. */
export interface FreshBooksSide {
  grantId: string;
  accountId: string;
  businessId: number;
  businessUuid: string;
  businessName: string;
}

export interface ConnectionSettings {
  pollIntervalSec: number;
  /** bigcommerce_freshbooks: orders modified since this instant are read by the first poll. */
  backfillSince?: string;
  /** FreshBooks entities this connection syncs. */
  entities: string[];
  /** Hours between full reconciliations (deletes, missed changes). */
  reconcileEveryHours: number;
  /** Register FreshBooks callbacks (default true); polling alone otherwise. */
  webhooks?: boolean;
  /** Webhook batching window; absent = the destination's default (traits.deliveryWindowMs). */
  deliveryWindowMs?: number;
}

/** A bigcommerce_freshbooks connection's store: the token, hook secret and client secret are sealed under `credentialId`. */
export interface BigCommerceStoreConfig {
  type: 'bigcommerce';
  storeHash: string;
  credentialId: string;
}

/**
 * A destination's stored config as db/ knows it: its type. The rest is its module's (destinations/
 * registry.ts `DestinationConfig`), which callers that load destinations pass as `D`.
 */
export type DestinationConfigShape = { [T in DestinationType]: { type: T } }[DestinationType];

interface ConnectionBase {
  id: string;
  /**
   * The FreshBooks business, whichever way data moves: read from for a warehouse or dataset, written to
   * for a store connection. Stored in the `source` column, named for the first kinds.
   */
  freshbooks: FreshBooksSide;
  settings: ConnectionSettings;
  status: ConnectionStatus;
  statusDetail: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** FreshBooks feeding a destination: one member per destination type, whose `destination` is D's config of that type. */
export type FreshBooksConnection<D extends DestinationConfigShape = DestinationConfigShape> = {
  [T in DestinationType]: ConnectionBase & { kind: `freshbooks_${T}`; destination: Extract<D, { type: T }> };
}[DestinationType];

/** A BigCommerce store feeding FreshBooks; the store is kept in the `destination` column, whichever way data moves. */
export interface StoreConnection extends ConnectionBase {
  kind: StoreKind;
  destination: BigCommerceStoreConfig;
}

/** A connection, told apart by `kind`. */
export type ConnectionRecord<D extends DestinationConfigShape = DestinationConfigShape> = FreshBooksConnection<D> | StoreConnection;

/** What `create` stores: the kind decides what `destination` holds. */
export type NewConnection = Pick<ConnectionBase, 'id' | 'freshbooks' | 'settings'> &
  ({ kind: DestinationKind; destination: DestinationConfigShape } | { kind: StoreKind; destination: BigCommerceStoreConfig });

const UNIQUE_VIOLATION = '23505';
const ONE_LIVE_STORE_INDEX = 'connections_one_live_store';

export class StoreAlreadyConnectedError extends Error {
  override name = 'StoreAlreadyConnected';
  constructor() {
    super('the store already has a live connection');
  }
}

const COLUMNS = 'id, kind, source, destination, settings, status, status_detail, created_at, updated_at';

interface Columns {
  id: string;
  source: FreshBooksSide;
  settings: ConnectionSettings;
  status: ConnectionStatus;
  status_detail: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}
/** A row as written by `create`: its `kind` column says what its `destination` column holds. */
type Row<D extends DestinationConfigShape> = Columns & Pick<ConnectionRecord<D>, 'kind' | 'destination'>;

function toRecord<D extends DestinationConfigShape>(r: Row<D>): ConnectionRecord<D> {
  const common: ConnectionBase = {
    id: r.id, freshbooks: r.source, settings: r.settings,
    status: r.status, statusDetail: r.status_detail, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
  return { ...common, kind: r.kind, destination: r.destination } as ConnectionRecord<D>;
}

export class ConnectionStore {
  constructor(private readonly db: Db) {}

  /** Throws StoreAlreadyConnectedError when the store already has a live connection (migration 005's index). */
  async create(c: NewConnection): Promise<void> {
    try {
      await this.db.query(
        'INSERT INTO connections (id, kind, source, destination, settings) VALUES ($1, $2, $3, $4, $5)',
        [c.id, c.kind, c.freshbooks, c.destination, c.settings],
      );
    } catch (err) {
      const pgErr = err as { code?: string; constraint?: string };
      if (pgErr.code === UNIQUE_VIOLATION && pgErr.constraint === ONE_LIVE_STORE_INDEX) throw new StoreAlreadyConnectedError();
      throw err;
    }
  }

  async get<D extends DestinationConfigShape = DestinationConfigShape>(id: string): Promise<ConnectionRecord<D> | null> {
    const { rows } = await this.db.query<Row<D>>(`SELECT ${COLUMNS} FROM connections WHERE id = $1 AND status <> 'deleted'`, [id]);
    return rows[0] ? toRecord<D>(rows[0]) : null;
  }

  /** Also a deleted connection: its clean-up (callbacks at FreshBooks) runs after the delete. */
  async getIncludingDeleted<D extends DestinationConfigShape = DestinationConfigShape>(id: string): Promise<ConnectionRecord<D> | null> {
    const { rows } = await this.db.query<Row<D>>(`SELECT ${COLUMNS} FROM connections WHERE id = $1`, [id]);
    return rows[0] ? toRecord<D>(rows[0]) : null;
  }

  /** Whether a live connection with this id exists (the webhook route's 404). */
  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM connections WHERE id = $1 AND status <> 'deleted'`, [id]);
    return (rowCount ?? 0) > 0;
  }

  /** The live store connection for a BigCommerce store hash (a store feeds one FreshBooks business). */
  /** The store connection a store's orders belong to, a deleted one too (its history still names it). */
  async storeOwner(storeHash: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM connections WHERE kind = $2 AND destination->>'storeHash' = $1 ORDER BY (status = 'deleted'), created_at DESC LIMIT 1`, [storeHash, STORE_KIND]);
    return rows[0]?.id ?? null;
  }

  async findByStore(storeHash: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM connections WHERE kind = $2 AND destination->>'storeHash' = $1 AND status <> 'deleted'`, [storeHash, STORE_KIND]);
    return rows[0]?.id ?? null;
  }

  async list(): Promise<ConnectionRecord[]> {
    const { rows } = await this.db.query<Row<DestinationConfigShape>>(`SELECT ${COLUMNS} FROM connections WHERE status <> 'deleted' ORDER BY created_at`);
    return rows.map((r) => toRecord(r));
  }

  async setStatus(id: string, status: ConnectionStatus, detail: Record<string, unknown> = {}): Promise<void> {
    await this.db.query('UPDATE connections SET status = $2, status_detail = $3, updated_at = now() WHERE id = $1', [id, status, detail]);
  }

  /** Sets some status_detail keys (webhook check, schema mismatch) and leaves the others. A null value removes its key. */
  async mergeStatusDetail(id: string, patch: Record<string, unknown>): Promise<void> {
    const removed = Object.keys(patch).filter((k) => patch[k] === null);
    const kept = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    await this.db.query(
      'UPDATE connections SET status_detail = (status_detail - $3::text[]) || $2::jsonb, updated_at = now() WHERE id = $1',
      [id, kept, removed],
    );
  }

  /** Every live connection that reaches FreshBooks through this grant. */
  async setStatusByGrant(grantId: string, status: ConnectionStatus, detail: Record<string, unknown>): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE connections SET status = $2, status_detail = $3, updated_at = now()
        WHERE source->>'grantId' = $1 AND status <> 'deleted' RETURNING id`,
      [grantId, status, detail],
    );
    return rows.map((r) => r.id);
  }
}

/** The one test of a connection's family; narrowing on it types `destination`. */
export function isStoreConnection<D extends DestinationConfigShape>(c: ConnectionRecord<D>): c is StoreConnection {
  return c.kind === STORE_KIND;
}
