import type { Db } from './pool';

/** Per connection: how much it delivered, and when the newest delivery landed (its freshness). */
export interface DeliveryActivity {
  delivered: number;
  lastDeliveredAt: string | null;
}

export interface WebhookHealth {
  callbacks: number;
  verified: number;
  /** Verified changes in the inbox not yet accepted by the workflow. */
  waiting: number;
}

/** One finished run's figures, for the console's charts. */
export interface RunPoint {
  startedAt: string;
  durationMs: number;
  delivered: number;
  failed: boolean;
}

/**
 * What the console shows beside each connection, read for all of them in one query each (the
 * connections page lists every connection and refreshes every few seconds).
 */
export class ConnectionActivity {
  constructor(private readonly db: Db) {}

  /** From the per-connection totals the ledger's triggers keep (migration 017), not a count of the ledger. */
  async deliveries(): Promise<Map<string, DeliveryActivity>> {
    const { rows } = await this.db.query<{ connection_id: string; n: string; last: Date | null }>(
      'SELECT connection_id, delivered AS n, last_delivered_at AS last FROM connection_delivery_totals');
    return new Map(rows.map((r) => [r.connection_id, { delivered: Number(r.n), lastDeliveredAt: r.last?.toISOString() ?? null }]));
  }

  /**
   * Each connection's FreshBooks callbacks (registered, verified) and verified changes waiting in the
   * webhook inbox for its workflow: the webhook health the list shows, from tables the intake keeps.
   */
  async webhookHealth(): Promise<Map<string, WebhookHealth>> {
    const { rows } = await this.db.query<{ connection_id: string; callbacks: string; verified: string; waiting: string }>(
      `SELECT connection_id, sum(callbacks) AS callbacks, sum(verified) AS verified, sum(waiting) AS waiting FROM (
         SELECT connection_id, count(*) AS callbacks, count(*) FILTER (WHERE verified) AS verified, 0 AS waiting FROM webhook_callbacks GROUP BY connection_id
         UNION ALL
         SELECT connection_id, 0, 0, count(*) FROM webhook_inbox GROUP BY connection_id) h
       GROUP BY connection_id`);
    return new Map(rows.map((r) => [r.connection_id, { callbacks: Number(r.callbacks), verified: Number(r.verified), waiting: Number(r.waiting) }]));
  }

  /** The newest run of each connection (finished or not). */
  async lastRuns(): Promise<Map<string, { startedAt: string; finishedAt: string | null; error: string | null }>> {
    const { rows } = await this.db.query<{ connection_id: string; started_at: Date; finished_at: Date | null; error: string | null }>(
      'SELECT DISTINCT ON (connection_id) connection_id, started_at, finished_at, error FROM sync_runs ORDER BY connection_id, id DESC');
    return new Map(rows.map((r) => [r.connection_id, { startedAt: r.started_at.toISOString(), finishedAt: r.finished_at?.toISOString() ?? null, error: r.error }]));
  }

  /** A connection's finished runs, oldest first, with records delivered summed over its entities (`stats` is per entity). */
  async runHistory(connectionId: string, limit = 60): Promise<RunPoint[]> {
    const { rows } = await this.db.query<{ started_at: Date; finished_at: Date; delivered: string | null; error: string | null }>(
      `SELECT started_at, finished_at, error,
              (SELECT sum(COALESCE((e.value->>'delivered')::bigint, 0)) FROM jsonb_each(CASE WHEN jsonb_typeof(stats) = 'object' THEN stats ELSE '{}'::jsonb END) e
                WHERE jsonb_typeof(e.value) = 'object') AS delivered
         FROM (SELECT * FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL ORDER BY id DESC LIMIT $2) r
        ORDER BY started_at`,
      [connectionId, limit],
    );
    return rows.map((r) => ({
      startedAt: r.started_at.toISOString(),
      durationMs: Math.max(0, r.finished_at.getTime() - r.started_at.getTime()),
      delivered: Number(r.delivered ?? 0),
      failed: r.error !== null,
    }));
  }
}
