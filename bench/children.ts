import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { sandboxEnv, startService, type LocalService, type Sandboxes } from '../scripts/local-service';
import { writeWorkflowBundle } from '../workers/workflow-bundle';

/** Child processes and teardown shared by the benchmarks (backfill, orders). */
const ROOT = resolve(__dirname, '..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Teardown steps, run once, newest first, each bounded. */
export class Teardown {
  private readonly steps: { name: string; fn: () => Promise<unknown> | unknown }[] = [];
  private running?: Promise<void>;

  add(name: string, fn: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await Promise.race([Promise.resolve().then(step.fn), sleep(30_000).then(() => { throw new Error('timed out'); })]);
        } catch (err) {
          process.stderr.write(`[bench] teardown ${step.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })();
    return this.running;
  }
}

/** Drops the Temporal SDK's multi-line INFO/DEBUG log blocks (worker state changes); keeps everything else. */
export function quietSdkInfo(): (line: string) => boolean {
  // A block starts with "<time> [INFO] …" and ends on the first line that ends with "}" (its metadata).
  let inBlock = false;
  return (line) => {
    if (/^\S+ \[(INFO|DEBUG|TRACE)\] /.test(line)) {
      inBlock = !line.trimEnd().endsWith('}');
      return true;
    }
    if (inBlock) {
      if (line.trimEnd().endsWith('}')) inBlock = false;
      return true;
    }
    return false;
  };
}

export function forwardLines(stream: NodeJS.ReadableStream | null, prefix: string, onLine?: (line: string) => boolean): void {
  let buf = '';
  stream?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (onLine?.(line)) continue;
      if (line.trim()) process.stdout.write(`${prefix} ${line.length > 400 ? `${line.slice(0, 400)}…` : line}\n`);
    }
  });
}

export async function stopChild(child: ChildProcess, graceMs = 25_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  child.kill('SIGKILL');
  await exited;
}

/** node with the tsx loader, so the pid we sample is the node process itself (no npx/tsx wrapper). */
export function spawnTs(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const childEnv = { ...env };
  delete childEnv.NODE_OPTIONS; // the bench's own heap flags must not leak into the measured processes
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(ROOT, script)], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}


export interface BenchOutcome {
  code: number;
  /** The RESULT (or FAILED) line, printed last. */
  result: string;
}

/**
 * A benchmark's process life: a hard timeout and Ctrl-C that still tear the stack down, the teardown
 * after the run, and the RESULT / FAILED line as the very last output.
 */
export async function benchMain(name: string, timeoutSec: number, log: (msg: string) => void, run: (teardown: Teardown) => Promise<BenchOutcome>): Promise<number> {
  const teardown = new Teardown();
  // During an early teardown, loops still running may hit closed connections: log, keep tearing down.
  const stray = (err: unknown) => process.stderr.write(`[bench] (during teardown) ${err instanceof Error ? err.message : String(err)}\n`);
  const hardStop = setTimeout(() => {
    process.on('uncaughtException', stray);
    process.on('unhandledRejection', stray);
    log(`the benchmark exceeded --timeout-sec ${timeoutSec}; stopping everything`);
    void teardown.run().finally(() => {
      process.stdout.write(`FAILED ${name}: exceeded --timeout-sec ${timeoutSec}\n`);
      process.exit(1);
    });
  }, timeoutSec * 1000);
  hardStop.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      process.on('uncaughtException', stray);
      process.on('unhandledRejection', stray);
      void teardown.run().finally(() => process.exit(130));
    });
  }

  let outcome: BenchOutcome;
  try {
    outcome = await run(teardown);
  } catch (err) {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    outcome = { code: 1, result: `FAILED ${name}: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    log('stopping the stack');
    await teardown.run();
    clearTimeout(hardStop);
  }
  // Last line of the output, after everything else has been printed and stopped.
  process.stdout.write(`${outcome.result}\n`);
  return outcome.code;
}

/** The workflow bundle, prebuilt as a deployment does; `workflowsPath` bundles a modified copy (experiments). */
export async function prebuildBundle(path: string, workflowsPath?: string): Promise<string> {
  if (!workflowsPath) return writeWorkflowBundle(path);
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath: require.resolve('../temporal/failure-converter'), logger: new DefaultLogger('WARN') });
  writeFileSync(path, code);
  return path;
}

/** Until the worker child polls both the workflow and the activity queue, so timing starts with it ready. */
export async function waitForPollers(service: Pick<LocalService, 'client'> & { config: { temporal: { namespace: string } } }, taskQueue: string, worker: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const types = [temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
  while (Date.now() < until) {
    if (worker.exitCode !== null) throw new Error(`worker exited with code ${worker.exitCode} before polling`);
    const ready = await Promise.all(types.map(async (taskQueueType) => {
      const res = await service.client.workflowService.describeTaskQueue({ namespace: service.config.temporal.namespace, taskQueue: { name: taskQueue }, taskQueueType });
      return (res.pollers ?? []).length > 0;
    })).catch(() => [false]);
    if (ready.every(Boolean)) return;
    await sleep(250);
  }
  throw new Error(`worker did not poll ${taskQueue} within ${timeoutMs / 1000}s`);
}

/**
 * The service's API in this process (no worker; it runs the migrations before the worker starts), wired
 * to the sandboxes, on a task queue of its own, with the client-side FreshBooks budget out of the way.
 */
export async function startBenchApi(teardown: Teardown, sandboxes: Sandboxes, stack: { databaseUrl: string; temporalAddress: string; bigqueryEndpoint: string }, queuePrefix: string): Promise<{ env: Record<string, string>; service: LocalService; taskQueue: string }> {
  const taskQueue = `${queuePrefix}-${randomBytes(4).toString('hex')}`;
  const env = sandboxEnv(sandboxes, stack, { TEMPORAL_TASK_QUEUE: taskQueue, FRESHBOOKS_REQUESTS_PER_SEC: BENCH_REQUESTS_PER_SEC, LOG_LEVEL: 'warn' });
  const service = await startService(env, { worker: false });
  teardown.add('api', () => service.close());
  return { env, service, taskQueue };
}

/** Sandbox rate limits are off in the benchmarks; this keeps the client-side FreshBooks budget out of the way too. */
export const BENCH_REQUESTS_PER_SEC = '100000';
