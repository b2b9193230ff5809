import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../common/logger';
import type { CounterMetric, CounterTotal, ServiceCounters } from '../db/service-counters';
import type { SyncRunStore } from '../db/sync-runs';
import type { WebhookInbox } from '../db/webhook-inbox';

/**
 * The figures people alert on, beside the process defaults:
 * - webhook acknowledgements by source and outcome, and how long each took (measured here, per API process);
 * - sync run durations (from sync_runs), records delivered per destination type, FreshBooks 429s and budget
 *   waits (running totals the workers keep in service_counters). Those happen in workers, so they are read
 *   from Postgres at scrape time: any API instance shows them.
 * Labels are closed sets (source, outcome, destination type, mode), never ids, tokens or request text.
 */
export interface ServiceMetricsDeps {
  registry: Registry;
  runs: SyncRunStore;
  counters: ServiceCounters;
  inbox: WebhookInbox;
  logger: Logger;
}

const WEBHOOK_SOURCES = new Set(['freshbooks', 'bigcommerce']);
/** Runs read per scrape at most; a backlog (a scrape after a long gap) is caught up over the next scrapes. */
const RUNS_PER_SCRAPE = 5_000;

/** How one write of acknowledged changes to the inbox went: what every acknowledgement waiting on it waited for. */
export type InboxWriteObserver = (seconds: number, changes: number) => void;

export function serviceMetrics(d: ServiceMetricsDeps): { webhookAcks: RequestHandler; inboxWrites: InboxWriteObserver } {
  const acks = new Counter({
    name: 'ml_connector_webhook_acks_total',
    help: 'Webhook deliveries answered, by source and outcome (accepted, or the refusal status: 400, 401, 404, 413, ...)',
    labelNames: ['source', 'outcome'] as const,
    registers: [d.registry],
  });
  const ackSeconds = new Histogram({
    name: 'ml_connector_webhook_ack_seconds',
    help: 'Time from a webhook delivery arriving to its answer being sent',
    labelNames: ['source'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [d.registry],
  });

  const webhookAcks: RequestHandler = (req, res, next) => {
    // Mounted at /webhooks: the first segment is the source; anything else is not a webhook of ours.
    const source = req.path.split('/')[1] ?? '';
    if (!WEBHOOK_SOURCES.has(source)) return next();
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const outcome = res.statusCode >= 200 && res.statusCode < 300 ? 'accepted' : String(res.statusCode);
      acks.inc({ source, outcome });
      ackSeconds.observe({ source }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  // Acknowledgements wait for the group commit that carries them: a slow commit (a WAL flush stalled behind
  // a checkpoint) shows here before it shows as ack latency.
  const inboxWriteSeconds = new Histogram({
    name: 'ml_connector_webhook_inbox_write_seconds',
    help: 'One group-committed write of acknowledged webhook changes to the inbox (insert and commit)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [d.registry],
  });
  const inboxWriteChanges = new Histogram({
    name: 'ml_connector_webhook_inbox_write_changes',
    help: 'Changes carried by one inbox write (acknowledgements that shared its commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [d.registry],
  });
  const inboxWrites: InboxWriteObserver = (seconds, changes) => {
    inboxWriteSeconds.observe(seconds);
    inboxWriteChanges.observe(changes);
  };

  new Gauge({
    name: 'ml_connector_webhook_inbox_changes',
    help: 'Acknowledged webhook changes not yet handed to their workflows (all instances); growing means Temporal is out of reach',
    registers: [d.registry],
    async collect() {
      try {
        this.set(await d.inbox.depth());
      } catch (err) {
        d.logger.warn({ err: { name: (err as Error)?.name } }, 'webhook inbox not read for /metrics');
      }
    },
  });

  const runSeconds = new Histogram({
    name: 'ml_connector_sync_run_duration_seconds',
    help: 'Sync runs of FreshBooks-fed connections finished since this API process started, by destination type, mode and outcome',
    labelNames: ['destination_type', 'mode', 'outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [d.registry],
    collect: () => pumpRuns(),
  });
  /** Runs are counted from the newest one at the first scrape: history before it is not replayed as new. */
  let lastRunId: number | undefined;
  let inFlight: Promise<void> | undefined;
  const pumpRuns = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        if (lastRunId === undefined) {
          lastRunId = await d.runs.latestId();
          return;
        }
        for (const run of await d.runs.finishedAfter(lastRunId, RUNS_PER_SCRAPE)) {
          runSeconds.observe({ destination_type: run.destinationType, mode: run.mode, outcome: run.failed ? 'failed' : 'ok' }, run.seconds);
          lastRunId = run.id;
        }
      } catch (err) {
        // A scrape still answers with what it has; the runs are read at the next one.
        d.logger.warn({ err: { name: (err as Error)?.name } }, 'sync runs not read for /metrics');
      }
    })().finally(() => { inFlight = undefined; });
    return inFlight;
  };

  // Fleet-wide running totals kept by the workers, mirrored at each scrape: one read feeds every counter.
  let totals: CounterTotal[] | undefined;
  let reading: Promise<void> | undefined;
  const readTotals = (): Promise<void> => {
    reading ??= d.counters.totals()
      .then((t) => { totals = t; }, (err) => { d.logger.warn({ err: { name: (err as Error)?.name } }, 'service counters not read for /metrics'); })
      .finally(() => { reading = undefined; });
    return reading;
  };
  const mirrored = (name: string, help: string, metric: CounterMetric, field: 'events' | 'seconds', labelName?: string) => new Counter({
    name, help, labelNames: labelName ? [labelName] : [], registers: [d.registry],
    async collect() {
      await readTotals();
      if (!totals) return;
      // A counter cannot be set; the total lives in Postgres, so it is reset and raised to it.
      this.reset();
      for (const t of totals.filter((x) => x.metric === metric)) {
        if (labelName) this.inc({ [labelName]: t.label }, t[field]);
        else this.inc(t[field]);
      }
    },
  });
  mirrored('ml_connector_records_delivered_total', 'Records delivered to destinations (sync pages, webhook changes, re-deliveries), by destination type', 'records_delivered', 'events', 'destination_type');
  mirrored('ml_connector_freshbooks_rate_limited_total', 'FreshBooks 429 responses waited out by the workers (all accounts)', 'freshbooks_rate_limited', 'events');
  mirrored('ml_connector_freshbooks_rate_limit_wait_seconds_total', 'Seconds FreshBooks asked the workers to wait after 429s (Retry-After)', 'freshbooks_rate_limited', 'seconds');
  mirrored('ml_connector_freshbooks_budget_waits_total', 'FreshBooks requests that waited for the per-account request budget', 'freshbooks_budget_wait', 'events');
  mirrored('ml_connector_freshbooks_budget_wait_seconds_total', 'Seconds FreshBooks requests spent waiting for the per-account request budget', 'freshbooks_budget_wait', 'seconds');

  return { webhookAcks, inboxWrites };
}
