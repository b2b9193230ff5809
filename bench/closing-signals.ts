/**
 * Signals that meet a closing run. A workflow signalled without pause continues as new every ~300 events; when
 * a signal overtakes the continue-as-new, Temporal refuses it (UNHANDLED_COMMAND) and refuses further signals
 * (RESOURCE_EXHAUSTED, busy workflow) until the close goes through. Two streams run side by side on one dev
 * server and worker: one client with the SDK's default gRPC retry, one with the service's
 * (temporal/grpc-retry.ts). Prints each stream's time from sending a signal to the workflow handling it.
 *
 *   source .tools/env && npx tsx bench/closing-signals.ts [--rate 40] [--seconds 30]
 */
import { performance } from 'node:perf_hooks';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type GrpcRetryOptions } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTemporal } from '../scripts/dev-stack';
import { serviceRetryOptions } from '../temporal/grpc-retry';
import { installWorkerRuntime } from '../workers/runtime';
import { stopProcess } from './webhooks-procs';

const UNHANDLED_COMMAND = proto.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i >= 0 ? Number(process.argv[i + 1]) : dflt; };

/** First time each signal (its send time, unique per stream) was handled: a refused task replays its batch. */
const handledAt = new Map<string, Map<number, number>>();

export function closingSignalActivities() {
  return {
    async handled(stream: string, sentAts: number[]): Promise<void> {
      const now = Date.now();
      const seen = handledAt.get(stream) ?? new Map<number, number>();
      handledAt.set(stream, seen);
      for (const at of sentAts) if (!seen.has(at)) seen.set(at, now);
    },
  };
}

interface StreamResult { sent: number; runs: number; refused: number; acceptedMaxMs: number; acceptedOver1s: number }

async function stream(address: string, name: string, retry: GrpcRetryOptions, rate: number, seconds: number): Promise<StreamResult> {
  const client = new Client({ connection: await Connection.connect({ address, interceptors: [makeGrpcRetryInterceptor(retry)] }) });
  await client.workflow.start('signalledStream', { taskQueue: 'closing-signals', workflowId: name, args: [[]] });
  const handle = client.workflow.getHandle(name);
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  let last = 0;
  // Send times double as ids: each is made unique within the stream.
  while (performance.now() - t0 < seconds * 1000) {
    const at = Math.max(Date.now(), last + 1);
    last = at;
    inFlight.push(handle.signal('sentAt', at));
    sent++;
    await new Promise((r) => setTimeout(r, t0 + (sent * 1000) / rate - performance.now()));
  }
  await Promise.all(inFlight);
  let runs = 0;
  let refused = 0;
  // When the server accepted each signal (its event's time) after it was sent: where a refused close shows.
  const accepted: number[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${name}'` })) {
    runs++;
    const history = await client.workflow.getHandle(name, run.runId).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.workflowTaskFailedEventAttributes?.cause === UNHANDLED_COMMAND) refused++;
      const input = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      if (input && e.eventTime) accepted.push(tsToMs(e.eventTime) - defaultPayloadConverter.fromPayload<number>(input));
    }
  }
  return { sent, runs, refused, acceptedMaxMs: Math.max(0, ...accepted), acceptedOver1s: accepted.filter((ms) => ms > 1000).length };
}

function figures(name: string): { p50: number; p99: number; max: number; over1s: number; n: number } {
  const lat = [...(handledAt.get(name) ?? new Map()).entries()].map(([at, done]) => done - at).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, over1s: lat.filter((x) => x > 1000).length, n: lat.length };
}

async function main(): Promise<void> {
  const rate = arg('--rate', 40);
  const seconds = arg('--seconds', 30);
  installWorkerRuntime('error');
  const temporal = await startTemporal();
  try {
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }), taskQueue: 'closing-signals', workflowsPath: require.resolve('./closing-signals-workflow'), activities: closingSignalActivities(),
    });
    const running = worker.run();
    const [dflt, service] = await Promise.all([
      stream(temporal.address, 'sdk-default-retry', defaultGrpcRetryOptions(), rate, seconds),
      stream(temporal.address, 'service-retry', serviceRetryOptions(), rate, seconds),
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    worker.shutdown();
    await running;
    const a = figures('sdk-default-retry');
    const b = figures('service-retry');
    for (const [label, f, s] of [['SDK default retry', a, dflt], ['service retry    ', b, service]] as const) {
      console.log(`[bench] ${label}: sent ${s.sent}, handled ${f.n}, runs ${s.runs}, continue-as-new refused ${s.refused}; signal → handled p50 ${f.p50} / p99 ${f.p99} / max ${f.max} ms, ${f.over1s} over 1 s; sent → accepted by the server max ${s.acceptedMaxMs} ms, ${s.acceptedOver1s} over 1 s`);
    }
    console.log(`RESULT closing-signals rate=${rate} default_p99_ms=${a.p99} default_max_ms=${a.max} service_p99_ms=${b.p99} service_max_ms=${b.max} max_ratio=${(b.max / a.max).toFixed(2)} lost=${dflt.sent - a.n + service.sent - b.n}`);
  } finally {
    await stopProcess(temporal.child, 10_000);
  }
}

if (require.main === module) void main().catch((err) => { console.error(err); process.exit(1); });
