import type { DestinationKind } from '../contracts/destination-kinds';
import type { Db } from './pool';

/** FreshBooks feeding one of the registry's destinations, or a BigCommerce store feeding FreshBooks. */
export type ConnectionKind = DestinationKind | 'bigcommerce_freshbooks';
export type ConnectionStatus = 'active' | 'needs_reauth' | 'paused' | 'deleted';

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
}

export interface ConnectionRecord<D = Record<string, unknown>> {
  id: string;
  kind: ConnectionKind;
  /**
   * The FreshBooks business, whichever way data moves: read from for a warehouse or dataset, written to
   * (the destination) for bigcommerce_freshbooks. Stored in the `source` column, named for the first kinds.
   */
  freshbooks: FreshBooksSide;
  /**
   * The other side: a warehouse or dataset, or for bigcommerce_freshbooks the store that feeds FreshBooks
   * (stored in the `destination` column, whichever way data moves).
   */
  destination: D;
  settings: ConnectionSettings;
  status: ConnectionStatus;
  statusDetail: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

const UNIQUE_VIOLATION = '23505';
const ONE_LIVE_STORE_INDEX = 'connections_one_live_store';

export class StoreAlreadyConnectedError extends Error {
  override name = 'StoreAlreadyConnected';
  constructor() {
    super('the store already has a live connection');
  }
}

const COLUMNS = 'id, kind, source, destination, settings, status, status_detail, created_at, updated_at';

interface Row {
  id: string;
  kind: ConnectionKind;
  source: FreshBooksSide;
  destination: Record<string, unknown>;
  settings: ConnectionSettings;
  status: ConnectionStatus;
  status_detail: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

function toRecord<D>(r: Row): ConnectionRecord<D> {
  return {
    id: r.id, kind: r.kind, freshbooks: r.source, destination: r.destination as D, settings: r.settings,
    status: r.status, statusDetail: r.status_detail, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

export class ConnectionStore {
  constructor(private readonly db: Db) {}

  /** Throws StoreAlreadyConnectedError when the store already has a live connection (migration 005's index). */
  async create(c: Pick<ConnectionRecord, 'id' | 'kind' | 'freshbooks' | 'destination' | 'settings'>): Promise<void> {
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

  async get<D = Record<string, unknown>>(id: string): Promise<ConnectionRecord<D> | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE id = $1 AND status <> 'deleted'`, [id]);
    return rows[0] ? toRecord<D>(rows[0]) : null;
  }

  /** Also a deleted connection: its clean-up (callbacks at FreshBooks) runs after the delete. */
  async getIncludingDeleted<D = Record<string, unknown>>(id: string): Promise<ConnectionRecord<D> | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE id = $1`, [id]);
    return rows[0] ? toRecord<D>(rows[0]) : null;
  }

  /** Whether a live connection with this id exists (the webhook route's 404). */
  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM connections WHERE id = $1 AND status <> 'deleted'`, [id]);
    return (rowCount ?? 0) > 0;
  }

  /** The live store connection for a BigCommerce store hash (a store feeds one FreshBooks business). */
  async findByStore(storeHash: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM connections WHERE kind = 'bigcommerce_freshbooks' AND destination->>'storeHash' = $1 AND status <> 'deleted'`, [storeHash]);
    return rows[0]?.id ?? null;
  }

  async list(): Promise<ConnectionRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE status <> 'deleted' ORDER BY created_at`);
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
