import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * Reads every run of one workflow id (it continues-as-new) and derives what the benchmark reports:
 * history length per run, and where the wall time of the activity chain went.
 */
const ET = temporal.api.enums.v1.EventType;

export interface RunHistory {
  runId: string;
  events: number;
  /** historyLength as the visibility store reported it (may lag for the open run). */
  listedLength?: number;
  status: string;
}

export interface ActivityTimes {
  count: number;
  /** started → closed */
  execMs: number;
  maxExecMs: number;
  /** scheduled → started */
  queueMs: number;
  /** attempts beyond the first */
  retries: number;
}

export interface HistoryReport {
  runs: RunHistory[];
  maxEvents: number;
  totalEvents: number;
  byActivity: Record<string, ActivityTimes>;
  /** Wall time between an activity closing and the next one being scheduled (workflow task round trip). */
  betweenActivitiesMs: number;
  betweenActivitiesCount: number;
  /** Gaps that span a continue-as-new (last activity of run N → first of run N+1). */
  continueAsNewGapMs: number;
  continueAsNewCount: number;
}

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

export async function analyseHistories(client: Client, workflowId: string): Promise<HistoryReport> {
  // All runs, as the visibility store lists them…
  const listed = new Map<string, { historyLength: number; status: string; startMs: number }>();
  for await (const info of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    listed.set(info.runId, { historyLength: info.historyLength, status: info.status.name, startMs: info.startTime.getTime() });
  }
  // …and by walking the continue-as-new chain back from the current run (visibility is eventually consistent).
  const histories = new Map<string, temporal.api.history.v1.IHistoryEvent[]>();
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId && !histories.has(runId)) {
    const h: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = h.events ?? [];
    histories.set(runId, events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  for (const id of listed.keys()) {
    if (!histories.has(id)) histories.set(id, (await client.workflow.getHandle(workflowId, id).fetchHistory()).events ?? []);
  }

  const ordered = [...histories.entries()].sort((a, b) => ms(a[1][0]?.eventTime) - ms(b[1][0]?.eventTime));
  const report: HistoryReport = {
    runs: [], maxEvents: 0, totalEvents: 0, byActivity: {},
    betweenActivitiesMs: 0, betweenActivitiesCount: 0, continueAsNewGapMs: 0, continueAsNewCount: 0,
  };
  let lastClosedMs: number | undefined;
  let lastClosedRun: string | undefined;
  for (const [id, events] of ordered) {
    const info = listed.get(id);
    report.runs.push({ runId: id, events: events.length, listedLength: info?.historyLength, status: info?.status ?? 'UNKNOWN' });
    report.maxEvents = Math.max(report.maxEvents, events.length, info?.historyLength ?? 0);
    report.totalEvents += events.length;

    const scheduled = new Map<string, { type: string; at: number; startedAt?: number; attempt: number }>();
    for (const e of events) {
      const at = ms(e.eventTime);
      switch (e.eventType) {
        case ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
          const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
          scheduled.set(String(e.eventId), { type, at, attempt: 1 });
          if (lastClosedMs !== undefined) {
            if (lastClosedRun === id) {
              report.betweenActivitiesMs += at - lastClosedMs;
              report.betweenActivitiesCount += 1;
            } else {
              report.continueAsNewGapMs += at - lastClosedMs;
              report.continueAsNewCount += 1;
            }
          }
          break;
        }
        case ET.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const s = scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
          if (s) {
            s.startedAt = at;
            s.attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
          }
          break;
        }
        case ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case ET.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        case ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        case ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
          const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
          const s = scheduled.get(String(attrs?.scheduledEventId));
          if (!s) break;
          const t = (report.byActivity[s.type] ??= { count: 0, execMs: 0, maxExecMs: 0, queueMs: 0, retries: 0 });
          const started = s.startedAt ?? s.at;
          t.count += 1;
          t.execMs += at - started;
          t.maxExecMs = Math.max(t.maxExecMs, at - started);
          t.queueMs += started - s.at;
          t.retries += Math.max(0, s.attempt - 1);
          lastClosedMs = at;
          lastClosedRun = id;
          break;
        }
        default:
          break;
      }
    }
  }
  return report;
}

export interface RunTimeline {
  runId: string;
  startMs: number;
  closeMs?: number;
  events: number;
  signals: number;
  /** Workflow tasks that failed (by cause) or timed out: each costs the worker a full replay of the run. */
  taskFailures: Record<string, number>;
  taskTimeouts: number;
  /** Longest wait from a webhook signal to the next activity scheduled in the same run. */
  maxSignalToActivityMs: number;
}

/**
 * When each run of a workflow id started and closed and what went wrong with its workflow tasks, so a
 * latency cluster can be set beside the continue-as-new that may cause it.
 */
export async function runTimelines(client: Client, workflowId: string, sinceMs: number): Promise<RunTimeline[]> {
  const out: RunTimeline[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    if ((info.closeTime?.getTime() ?? Infinity) < sinceMs) continue;
    const events = (await client.workflow.getHandle(workflowId, info.runId).fetchHistory()).events ?? [];
    const t: RunTimeline = {
      runId: info.runId, startMs: info.startTime.getTime(), closeMs: info.closeTime?.getTime(), events: events.length,
      signals: 0, taskFailures: {}, taskTimeouts: 0, maxSignalToActivityMs: 0,
    };
    let firstUnservedSignal: number | undefined;
    for (const e of events) {
      const at = ms(e.eventTime);
      if (e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
        t.signals += 1;
        firstUnservedSignal ??= at;
      } else if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && firstUnservedSignal !== undefined) {
        t.maxSignalToActivityMs = Math.max(t.maxSignalToActivityMs, at - firstUnservedSignal);
        firstUnservedSignal = undefined;
      } else if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[e.workflowTaskFailedEventAttributes?.cause ?? 0] ?? 'UNKNOWN';
        t.taskFailures[cause] = (t.taskFailures[cause] ?? 0) + 1;
      } else if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
        t.taskTimeouts += 1;
      }
    }
    out.push(t);
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Where the wall time of a run chain went: activities by type, and the workflow-task gaps between them. */
export function printHistory(h: HistoryReport, wallMs: number, log: (line: string) => void): void {
  const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  log(`workflow runs: ${h.runs.length} (continue-as-new ${h.runs.length - 1}×), history events per run: ${h.runs.map((r) => r.events).join(', ')} (max ${h.maxEvents}, total ${h.totalEvents})`);
  let activityMs = 0;
  for (const [type, a] of Object.entries(h.byActivity)) {
    activityMs += a.execMs + a.queueMs;
    log(`  activity ${type.padEnd(20)} ×${String(a.count).padStart(4)}  exec ${fmt(a.execMs / 1000, 2).padStart(7)} s (avg ${fmt(a.execMs / a.count, 1)} ms, max ${fmt(a.maxExecMs)} ms)  schedule→start ${fmt(a.queueMs / 1000, 2)} s (avg ${fmt(a.queueMs / a.count, 1)} ms)  retries ${a.retries}`);
  }
  log(`  between activities (workflow task round trips): ${fmt(h.betweenActivitiesMs / 1000, 2)} s over ${h.betweenActivitiesCount} gaps (avg ${fmt(h.betweenActivitiesMs / Math.max(1, h.betweenActivitiesCount), 1)} ms); across continue-as-new: ${fmt(h.continueAsNewGapMs / 1000, 2)} s over ${h.continueAsNewCount}`);
  log(`  accounted: activities ${fmt(activityMs / 1000, 2)} s + gaps ${fmt((h.betweenActivitiesMs + h.continueAsNewGapMs) / 1000, 2)} s of ${fmt(wallMs / 1000, 2)} s wall`);
}

/**
 * The first run of a workflow id as a timeline from `t0Wall` (ms since the epoch, e.g. the create
 * request): when it started, each activity's schedule → start → close, workflow tasks, signals, and
 * where it ended. What the wall time of a backfill is made of, event by event.
 */
export async function printFirstRunTimeline(client: Client, workflowId: string, t0Wall: number, log: (line: string) => void, untilWall?: number): Promise<void> {
  let first: { runId: string; startMs: number } | undefined;
  for await (const info of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    if (!first || info.startTime.getTime() < first.startMs) first = { runId: info.runId, startMs: info.startTime.getTime() };
  }
  const runId = first?.runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const rel = (e: temporal.api.history.v1.IHistoryEvent) => ms(e.eventTime) - t0Wall;
  const f = (n: number) => `${(n / 1000).toFixed(3)}s`;
  const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
  let wfTasks = 0;
  let wfTaskMs = 0;
  let wfTaskScheduledAt: number | undefined;
  for (const e of events) {
    const at = rel(e);
    if (untilWall !== undefined && ms(e.eventTime) > untilWall + 2000) break;
    switch (e.eventType) {
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: log(`  ${f(at)} workflow started`); break;
      case ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: wfTaskScheduledAt = at; break;
      case ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        wfTasks += 1;
        if (wfTaskScheduledAt !== undefined) wfTaskMs += at - wfTaskScheduledAt;
        break;
      case ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', at });
        break;
      case ET.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.startedAt = at;
        break;
      }
      case ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case ET.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
        const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
        const s = scheduled.get(String(attrs?.scheduledEventId));
        if (!s) break;
        const how = e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED ? '' : ' FAILED';
        log(`  ${f(s.at)} → start ${f(s.startedAt ?? s.at)} → end ${f(at)}  ${s.type}${how} (exec ${(at - (s.startedAt ?? s.at)).toFixed(0)} ms)`);
        break;
      }
      case ET.EVENT_TYPE_MARKER_RECORDED: log(`  ${f(at)} marker ${e.markerRecordedEventAttributes?.markerName ?? '?'}`); break;
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: log(`  ${f(at)} signal ${e.workflowExecutionSignaledEventAttributes?.signalName ?? '?'}`); break;
      default: break;
    }
  }
  log(`  workflow tasks: ${wfTasks}, scheduled → completed ${wfTaskMs.toFixed(0)} ms in all`);
}
