import { GroupCommit } from '../common/group-commit';
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
  /**
   * Adds made while one is in flight go together, summed: every delivery of a worker adds to the same row
   * (records_delivered, its destination type), and concurrent upserts of one row wait for each other's commit.
   */
  private readonly adds = new GroupCommit<CounterDelta[]>((batches) => this.write(summed(batches.flat())));

  constructor(private readonly db: Db) {}

  /** Adds deltas; concurrent workers add, never overwrite. Resolves once the deltas are stored. */
  async add(deltas: CounterDelta[]): Promise<void> {
    const some = deltas.filter((d) => d.events > 0 || (d.seconds ?? 0) > 0);
    if (some.length === 0) return;
    await this.adds.submit(some);
  }

  private async write(deltas: CounterDelta[]): Promise<void> {
    await this.db.query(
      `INSERT INTO service_counters AS t (metric, label, events, seconds)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[])
       ON CONFLICT (metric, label) DO UPDATE SET events = t.events + EXCLUDED.events, seconds = t.seconds + EXCLUDED.seconds, updated_at = now()`,
      [deltas.map((d) => d.metric), deltas.map((d) => d.label ?? ''), deltas.map((d) => d.events), deltas.map((d) => d.seconds ?? 0)],
    );
  }

  /** Every total; the table holds one row per (metric, label), a handful. */
  async totals(): Promise<CounterTotal[]> {
    const { rows } = await this.db.query<{ metric: CounterMetric; label: string; events: string; seconds: number }>('SELECT metric, label, events, seconds FROM service_counters');
    return rows.map((r) => ({ metric: r.metric, label: r.label, events: Number(r.events), seconds: r.seconds }));
  }
}

/** One delta per (metric, label): an upsert may touch each row only once. */
function summed(deltas: CounterDelta[]): CounterDelta[] {
  const byKey = new Map<string, CounterDelta>();
  for (const d of deltas) {
    const key = `${d.metric}\u0000${d.label ?? ''}`;
    const sum = byKey.get(key);
    if (sum) {
      sum.events += d.events;
      sum.seconds = (sum.seconds ?? 0) + (d.seconds ?? 0);
    } else byKey.set(key, { ...d });
  }
  return [...byKey.values()];
}
