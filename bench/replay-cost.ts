/**
 * What a workflow-cache miss costs: a connection history replayed from its first event, as a worker does when
 * a task arrives for a workflow it evicted. Replays a committed history cut to several lengths, many times
 * each, on one replay worker, and prints CPU ms per replay and per event.
 *
 *   source .tools/env && npx tsx bench/replay-cost.ts [--history test/replay/histories/connection-2026-12-07-first-pages.json] [--reps 40]
 */
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { performance } from 'node:perf_hooks';
import { Worker } from '@temporalio/worker';
import { parseKeyRing } from '../common/crypto';
import { createDataConverter } from '../temporal/data-converter';
import { installWorkerRuntime } from '../workers/runtime';
import { bundleWorkflows } from '../workers/workflow-bundle';
import { REPLAY_PAYLOAD_KEYS } from '../test/replay/fixture-keys';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1]! : dflt; };

async function main(): Promise<void> {
  const path = arg('--history', 'test/replay/histories/connection-2026-12-07-first-pages.json');
  const reps = Number(arg('--reps', '40'));
  installWorkerRuntime('error');
  const workflowBundle = await bundleWorkflows();
  const dataConverter = createDataConverter(parseKeyRing(REPLAY_PAYLOAD_KEYS));
  const history = JSON.parse(readFileSync(path, 'utf8')) as { events: { eventType?: string }[] };
  const total = history.events.length;
  // Cut after a completed workflow task, as a history stands when a new task arrives.
  const cuts = [...new Set([50, 100, 200, total])].filter((n) => n <= total);
  for (const want of cuts) {
    let n = want;
    while (n < total && !String(history.events[n - 1]!.eventType).includes('WORKFLOW_TASK_COMPLETED')) n++;
    const cut = { events: history.events.slice(0, n) };
    const histories = async function* () { for (let i = 0; i < reps; i++) yield { workflowId: `replay-${n}-${i}`, history: cut }; };
    // One warm-up pass so the bundle's first load is not counted.
    for await (const r of Worker.runReplayHistories({ workflowBundle, dataConverter }, histories())) if (r.error) throw r.error;
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    for await (const r of Worker.runReplayHistories({ workflowBundle, dataConverter }, histories())) if (r.error) throw r.error;
    const wallMs = performance.now() - t0;
    const cpu = cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(`events=${n} replays=${reps} cpu_ms_per_replay=${(cpuMs / reps).toFixed(1)} cpu_us_per_event=${((cpuMs * 1000) / reps / n).toFixed(0)} wall_ms_per_replay=${(wallMs / reps).toFixed(1)}\n`);
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
