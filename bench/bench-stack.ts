/**
 * What the webhook and scale benchmarks run against: Temporal dev server and embedded Postgres (their own
 * processes), the sandboxes (in the bench process), N API processes and one worker (child node processes,
 * prebuilt workflow bundle and WORKER_NODE_FLAGS, as in production), with memory samplers and the CPU roles
 * the reports use. Every piece registers its own clean-up step.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { freePort, startPostgres, startTemporal } from '../scripts/dev-stack';
import { sandboxEnv, startSandboxes, type Sandboxes } from '../scripts/local-service';
import { WORKER_NODE_FLAGS, writeWorkflowBundle } from '../workers/workflow-bundle';
import type { cpuByRole } from './proc';
import { MemorySampler } from './proc';
import { sdkChatter, spawnNode, stopProcess, waitHttpOk, type Cleanup } from './webhooks-procs';
import { log } from './webhook-load';

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  mem: MemorySampler;
}

export interface BenchStack {
  sb: Sandboxes;
  apis: ApiProcess[];
  worker: ChildProcess;
  workerMem: MemorySampler;
  temporal: { address: string; child: ChildProcess };
  databaseUrl: string;
  serviceEnv: Record<string, string>;
  roles: Parameters<typeof cpuByRole>[1];
}

export async function startBenchStack(opts: {
  cleanup: Cleanup;
  /** Names the task queue and the bundle file. */
  name: string;
  sandboxes: Parameters<typeof startSandboxes>[0];
  apis: number;
  /** Service environment on top of the sandboxes' (FRESHBOOKS_REQUESTS_PER_SEC, LOG_LEVEL…). */
  env: Record<string, string>;
  /** Extra Temporal dynamic config, to compare server settings. */
  temporalConfig?: string[];
  /** The APIs and the worker write V8 CPU profiles under this directory (see bench/cpuprofile-summary.ts). */
  profileDir?: string;
}): Promise<BenchStack> {
  const { cleanup } = opts;
  const profile = (who: string) => (opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}/${who}`] : []);
  let t = performance.now();
  const [temporalStart, pgStart] = await Promise.allSettled([startTemporal({ dynamicConfig: opts.temporalConfig ?? [] }), startPostgres()]);
  if (pgStart.status === 'fulfilled') cleanup.push('postgres', () => pgStart.value.stop());
  if (temporalStart.status === 'fulfilled') cleanup.push('temporal', () => stopProcess(temporalStart.value.child, 10_000));
  if (temporalStart.status === 'rejected') throw temporalStart.reason;
  if (pgStart.status === 'rejected') throw pgStart.reason;
  const temporal = temporalStart.value;
  const pg = pgStart.value;
  log(`Temporal ${temporal.address} (pid ${temporal.child.pid}) and Postgres up in ${Math.round(performance.now() - t)} ms`);

  t = performance.now();
  const sb = await startSandboxes(opts.sandboxes);
  cleanup.push('sandboxes', () => sb.close());
  log(`sandboxes up in ${Math.round(performance.now() - t)} ms: FreshBooks ${sb.fbUrl} (${sb.fb.state.accountIds().length} businesses), Power BI ${sb.powerbiApiBase}, Google ${sb.googleUrl}, BigCommerce ${sb.bcApiBase}`);

  // The first API's URL is the public one (FreshBooks callbacks point there); the others share its secrets.
  const ports = await Promise.all(Array.from({ length: opts.apis }, () => freePort()));
  const publicUrl = `http://127.0.0.1:${ports[0]}`;
  const serviceEnv = sandboxEnv(sb, { databaseUrl: pg.url, temporalAddress: temporal.address, bigqueryEndpoint: sb.googleUrl }, {
    TEMPORAL_TASK_QUEUE: `bench-${opts.name}-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn',
    PORT: String(ports[0]),
    PUBLIC_URL: publicUrl,
    ...opts.env,
  });
  const childEnv = { ...process.env, ...serviceEnv };
  const apis: ApiProcess[] = [];
  // One after the other: the first runs the migrations before it answers.
  for (const [i, port] of ports.entries()) {
    t = performance.now();
    const url = `http://127.0.0.1:${port}`;
    const child = spawnNode('api/main.ts', { ...childEnv, PORT: String(port) }, opts.apis > 1 ? `[api${i + 1}]` : '[api]', profile(`api${i + 1}`));
    cleanup.push(`api ${i + 1}`, () => stopProcess(child));
    await waitHttpOk(`${url}/healthz`, child, 120_000);
    const mem = new MemorySampler(child.pid!, 250);
    cleanup.push(`api ${i + 1} sampler`, () => mem.stop());
    apis.push({ url, child, mem });
    log(`API ${i + 1} pid ${child.pid} listening at ${url} after ${Math.round(performance.now() - t)} ms`);
  }

  t = performance.now();
  const bundlePath = await writeWorkflowBundle(resolve(tmpdir(), `ml-connector-${opts.name}-bundle-${process.pid}.js`));
  cleanup.push('workflow bundle file', () => rmSync(bundlePath, { force: true }));
  const worker = spawnNode('workers/main.ts', { ...childEnv, WORKFLOW_BUNDLE_PATH: bundlePath }, '[worker]', [...WORKER_NODE_FLAGS, ...profile('worker')], sdkChatter());
  cleanup.push('worker', () => stopProcess(worker));
  const workerMem = new MemorySampler(worker.pid!, 250);
  cleanup.push('worker sampler', () => workerMem.stop());
  log(`worker pid ${worker.pid} started with the prebuilt workflow bundle (built in ${Math.round(performance.now() - t)} ms), node ${WORKER_NODE_FLAGS.join(' ')}`);
  log(`where things run: bench pid ${process.pid} = load generator + sandboxes; API pid(s) ${apis.map((a) => a.child.pid).join(', ')}; worker pid ${worker.pid}; Temporal pid ${temporal.child.pid}; Postgres (embedded) own processes; ${cpus().length} cores`);

  return {
    sb, apis, worker, workerMem, temporal: { address: temporal.address, child: temporal.child }, databaseUrl: pg.url, serviceEnv,
    roles: [
      { name: 'worker', pid: worker.pid },
      ...apis.map((a, i) => ({ name: opts.apis > 1 ? `api${i + 1}` : 'api', pid: a.child.pid })),
      { name: 'temporal', pid: temporal.child.pid },
      { name: 'postgres', comm: /^postgres/ },
      { name: 'bench(loadgen+sandboxes)', pid: process.pid, tree: false },
    ],
  };
}
