import type { Db } from './pool';

export interface LedgerEntry {
  recordId: string;
  version: string;
  updatedAt?: string | null;
}

/**
 * What each connection has already delivered, by record version. Polling, reconciliation and replays
 * all pass through it, so the same version is sent once however many paths read it.
 */
export class DeliveryLedger {
  constructor(private readonly db: Db) {}

  /** The entries whose version differs from (or is missing in) the ledger. */
  async undelivered(connectionId: string, entity: string, entries: LedgerEntry[]): Promise<LedgerEntry[]> {
    if (entries.length === 0) return [];
    const { rows } = await this.db.query<{ record_id: string; version: string }>(
      'SELECT record_id, version FROM delivered_records WHERE connection_id = $1 AND entity = $2 AND record_id = ANY($3)',
      [connectionId, entity, entries.map((e) => e.recordId)],
    );
    const known = new Map(rows.map((r) => [r.record_id, r.version]));
    return entries.filter((e) => known.get(e.recordId) !== e.version);
  }

  async markDelivered(connectionId: string, entity: string, batchId: string, entries: LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `INSERT INTO delivered_records (connection_id, entity, record_id, version, batch_id, updated_at_src)
       SELECT $1, $2, r, v, $3, u FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS t(r, v, u)
       ON CONFLICT (connection_id, entity, record_id)
       DO UPDATE SET version = EXCLUDED.version, batch_id = EXCLUDED.batch_id,
                     updated_at_src = EXCLUDED.updated_at_src, delivered_at = now()`,
      [connectionId, entity, batchId, entries.map((e) => e.recordId), entries.map((e) => e.version), entries.map((e) => e.updatedAt ?? null)],
    );
  }

  /** Forgets everything a connection delivered (after its destination was emptied for a rebuild). */
  async forget(connectionId: string): Promise<void> {
    await this.db.query('DELETE FROM delivered_records WHERE connection_id = $1', [connectionId]);
  }

  async get(connectionId: string, entity: string, recordId: string): Promise<{ version: string; batchId: string; deliveredAt: string } | null> {
    const { rows } = await this.db.query<{ version: string; batch_id: string; delivered_at: Date }>(
      'SELECT version, batch_id, delivered_at FROM delivered_records WHERE connection_id = $1 AND entity = $2 AND record_id = $3',
      [connectionId, entity, recordId],
    );
    return rows[0] ? { version: rows[0].version, batchId: rows[0].batch_id, deliveredAt: rows[0].delivered_at.toISOString() } : null;
  }

  /**
   * Record ids the ledger says the destination holds as current: every delivered record but those a
   * tombstone (`deleted:<id>`) replaced. What a reconciliation counts where the destination cannot be read.
   */
  async currentIds(connectionId: string, entity: string): Promise<string[]> {
    const { rows } = await this.db.query<{ record_id: string }>(
      `SELECT record_id FROM delivered_records WHERE connection_id = $1 AND entity = $2 AND version NOT LIKE 'deleted:%'`,
      [connectionId, entity],
    );
    return rows.map((r) => r.record_id);
  }

  async counts(connectionId: string): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ entity: string; n: string }>(
      'SELECT entity, count(*) AS n FROM delivered_records WHERE connection_id = $1 GROUP BY entity', [connectionId]);
    return Object.fromEntries(rows.map((r) => [r.entity, Number(r.n)]));
  }
}
