import type { Db } from './pool';

/** What the workers count for /metrics (db/migrations/008_service_counters.sql). */
export type CounterMetric = 'records_delivered' | 'freshbooks_rate_limited' | 'freshbooks_budget_wait';

export interface CounterDelta {
  metric: CounterMetric;
  /** One value of a closed set (a destination type), or '' for none. */
  label?: string;
  events: number;
  seconds?: number;
}

export interface CounterTotal { metric: CounterMetric; label: string; events: number; seconds: number }

/** Fleet-wide running totals: workers add, the API reads them at scrape time. */
export class ServiceCounters {
  constructor(private readonly db: Db) {}

  /** Adds deltas; concurrent workers add, never overwrite. */
  async add(deltas: CounterDelta[]): Promise<void> {
    const some = deltas.filter((d) => d.events > 0 || (d.seconds ?? 0) > 0);
    if (some.length === 0) return;
    await this.db.query(
      `INSERT INTO service_counters AS t (metric, label, events, seconds)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[])
       ON CONFLICT (metric, label) DO UPDATE SET events = t.events + EXCLUDED.events, seconds = t.seconds + EXCLUDED.seconds, updated_at = now()`,
      [some.map((d) => d.metric), some.map((d) => d.label ?? ''), some.map((d) => d.events), some.map((d) => d.seconds ?? 0)],
    );
  }

  /** Every total; the table holds one row per (metric, label), a handful. */
  async totals(): Promise<CounterTotal[]> {
    const { rows } = await this.db.query<{ metric: CounterMetric; label: string; events: string; seconds: number }>('SELECT metric, label, events, seconds FROM service_counters');
    return rows.map((r) => ({ metric: r.metric, label: r.label, events: Number(r.events), seconds: r.seconds }));
  }
}
