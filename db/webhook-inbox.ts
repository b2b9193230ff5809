import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { WebhookChange } from '../contracts/sync';
import type { Db } from './pool';

/** A change waiting in the inbox; `seq` tells a row taken from one changed again since. */
export interface InboxEntry {
  change: WebhookChange;
  seq: string;
}

/** The one order every statement locks inbox rows in; byte order, so no collation can make two disagree. */
const KEY_ORDER = (t: string) => `${t}.connection_id COLLATE "C", ${t}.entity COLLATE "C", ${t}.record_id COLLATE "C"`;

/**
 * Verified webhook changes between the acknowledgement and the workflow's signal (migration 014). Writing
 * one row is what an acknowledgement waits for; the signal follows from whichever API instance gets to it.
 */
export class WebhookInbox {
  constructor(private readonly db: Db) {}

  /** Keeps changes, in one statement (the latest per record; a delete once seen stays a delete, as in the workflow). */
  async put(changes: { connectionId: string; change: WebhookChange }[]): Promise<void> {
    // One row per record per statement: ON CONFLICT cannot touch a row twice.
    const byRecord = new Map<string, { connectionId: string; change: WebhookChange }>();
    for (const c of changes) {
      const key = `${c.connectionId}\u0000${c.change.entity}\u0000${c.change.recordId}`;
      const seen = byRecord.get(key);
      byRecord.set(key, seen ? { ...c, change: { ...c.change, deleted: c.change.deleted || seen.change.deleted } } : c);
    }
    const rows = [...byRecord.values()];
    if (rows.length === 0) return;
    // Rows are locked in key order (as done() locks them): a batch updating waiting rows while a forwarder
    // deletes some of them must not take them in opposite orders. That deadlock costs a second (Postgres'
    // deadlock_timeout) before one side fails, and every acknowledgement queued behind this write waits it out.
    await this.db.query(
      `INSERT INTO webhook_inbox AS w (connection_id, entity, record_id, deleted, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[]) AS c(connection_id, entity, record_id, deleted, received_at)
        ORDER BY ${KEY_ORDER('c')}
       ON CONFLICT (connection_id, entity, record_id) DO UPDATE
         SET deleted = w.deleted OR EXCLUDED.deleted, received_at = EXCLUDED.received_at,
             seq = nextval(pg_get_serial_sequence('webhook_inbox', 'seq'))`,
      [rows.map((r) => r.connectionId), rows.map((r) => r.change.entity), rows.map((r) => r.change.recordId), rows.map((r) => r.change.deleted), rows.map((r) => r.change.receivedAt)],
    );
  }

  /** Each connection's oldest waiting changes (up to `limit` each), in one query for all of them. */
  async take(connectionIds: string[], limit: number): Promise<Map<string, InboxEntry[]>> {
    const taken = new Map<string, InboxEntry[]>(connectionIds.map((id) => [id, []]));
    if (connectionIds.length === 0) return taken;
    const { rows } = await this.db.query<{ connection_id: string; entity: FreshBooksEntity; record_id: string; deleted: boolean; received_at: Date; seq: string }>(
      `SELECT c.id AS connection_id, w.entity, w.record_id, w.deleted, w.received_at, w.seq
         FROM unnest($1::text[]) AS c(id)
         CROSS JOIN LATERAL (SELECT entity, record_id, deleted, received_at, seq FROM webhook_inbox
                              WHERE connection_id = c.id ORDER BY seq LIMIT $2) w
        ORDER BY c.id, w.seq`,
      [[...taken.keys()], limit],
    );
    for (const r of rows) taken.get(r.connection_id)!.push({ seq: r.seq, change: { entity: r.entity, recordId: r.record_id, deleted: r.deleted, receivedAt: r.received_at.toISOString() } });
    return taken;
  }

  /** Removes what signals carried, for any number of connections in one statement; a record changed again since keeps its row for the next one. */
  async done(signalled: { connectionId: string; entries: InboxEntry[] }[]): Promise<void> {
    const rows = signalled.flatMap(({ connectionId, entries }) => entries.map((e) => ({ connectionId, e })));
    if (rows.length === 0) return;
    // Locked first, in key order (see put()), then deleted; a row whose seq moved meanwhile is left alone.
    await this.db.query(
      `WITH doomed AS (
         SELECT w.connection_id, w.entity, w.record_id FROM webhook_inbox w
           JOIN unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS d(connection_id, entity, record_id, seq)
             ON w.connection_id = d.connection_id AND w.entity = d.entity AND w.record_id = d.record_id AND w.seq = d.seq
          ORDER BY ${KEY_ORDER('w')}
            FOR UPDATE OF w)
       DELETE FROM webhook_inbox w USING doomed
        WHERE w.connection_id = doomed.connection_id AND w.entity = doomed.entity AND w.record_id = doomed.record_id`,
      [rows.map((r) => r.connectionId), rows.map((r) => r.e.change.entity), rows.map((r) => r.e.change.recordId), rows.map((r) => r.e.seq)],
    );
  }

  /** Connections with a change waiting longer than `olderThanMs`: left behind by an instance that stopped or failed. */
  async waiting(olderThanMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ connection_id: string }>(
      `SELECT DISTINCT connection_id FROM webhook_inbox WHERE received_at < now() - $1 * interval '1 millisecond' LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => r.connection_id);
  }

  /** Changes waiting in all, for /metrics. */
  async depth(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM webhook_inbox');
    return Number(rows[0]?.n ?? 0);
  }
}
