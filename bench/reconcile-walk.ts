/**
 * The reconciliation walk of issue 14's benchmark (`reconcile_walk_*` of bench/console.ts) without the
 * 200 connections, the browser and the 100k backfill around it, with its CPU split by process: the
 * FreshBooks sandbox (its own process, seeded with --invoices invoices) serves the invoice list; this
 * process walks it with the worker's own code (activities/reconcile.ts walkSource: CountedSource's 8
 * pages in flight, ids and money sums), as the reconcile activity does once the counts differ.
 *
 *   source .tools/env && npx tsx bench/reconcile-walk.ts [--invoices 100000] [--walks 2] [--profile-dir DIR]
 *
 * Prints `RESULT reconcile_walk invoices=… walk_s=… service_cpu_s=… service_cpu_ms_per_1k=… sandbox_cpu_s=… requests=…`
 * (the last walk's figures; the first warms both processes up). The destination's side (one query of the
 * warehouse's ids and sums) is not here: bench/console.ts measures the whole activity.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CountedSource, walkSource } from '../activities/reconcile';
import { FreshBooksClient } from '../connectors/freshbooks';
import { reconciledMoney } from '../mapping/freshbooks';
import { cpuSeconds, startProfile } from './cpu-profiler';
import { formatSummary, summarise } from './cpuprofile-summary';

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface Ready { url: string; accountId: string; businessId: number; token: string; invoices: number }

function nextMessage<T>(child: ChildProcess, op: string): Promise<T> {
  return new Promise((ok, fail) => {
    const onMsg = (m: { op: string }) => { if (m.op === op) { child.off('message', onMsg); child.off('exit', onExit); ok(m as T); } };
    const onExit = (code: number | null) => fail(new Error(`the sandbox exited (${code}) before "${op}"`));
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

async function main(): Promise<void> {
  const invoices = Number(arg('--invoices') ?? 100_000);
  const walks = Number(arg('--walks') ?? 2);
  const profileDir = arg('--profile-dir');
  const log = (s: string) => process.stdout.write(`[walk] ${s}\n`);
  const child = fork(resolve(__dirname, 'reconcile-walk-sandbox.ts'), [String(invoices), profileDir ? resolve(profileDir) : ''], {
    execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const t0 = performance.now();
    const sb = await nextMessage<Ready>(child, 'ready');
    log(`sandbox seeded with ${sb.invoices} invoices in ${((performance.now() - t0) / 1000).toFixed(1)} s; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const fb = new FreshBooksClient({
      apiBase: sb.url, accountId: sb.accountId, businessId: sb.businessId,
      tokens: { accessToken: async () => ({ token: sb.token, version: 1 }), refreshAfterUnauthorized: async () => { throw new Error('token refused'); } },
    });
    const money = reconciledMoney('invoices');
    let result = '';
    for (let w = 1; w <= walks; w++) {
      const last = w === walks;
      const name = `walk${w}`;
      child.send({ op: 'start', name: `sandbox-${name}` });
      await nextMessage(child, 'started');
      const prof = profileDir && last ? await startProfile(resolve(profileDir), `service-${name}`) : undefined;
      const cpu0 = cpuSeconds();
      const started = performance.now();
      const src = new CountedSource(fb);
      const { ids, sums } = await walkSource(src, 'invoices', money);
      const wallS = (performance.now() - started) / 1000;
      const serviceCpu = cpuSeconds() - cpu0;
      const file = prof ? await prof.stop() : undefined;
      child.send({ op: 'stop' });
      const stopped = await nextMessage<{ cpu: number; file?: string }>(child, 'stopped');
      const sumText = [...sums].map(([col, byCur]) => `${col} ${[...byCur].map(([c, v]) => `${c} ${v}`).join(' ')}`).join('; ');
      log(`walk ${w}: ${ids.length} ids, ${src.requests} requests in ${wallS.toFixed(2)} s; CPU s: service ${serviceCpu.toFixed(2)}, sandbox ${stopped.cpu.toFixed(2)}; sums ${sumText.slice(0, 160)}`);
      if (last) {
        for (const f of [file, stopped.file]) if (f) console.log(formatSummary(f, summarise(f)).join('\n'));
        result = `RESULT reconcile_walk invoices=${ids.length} walk_s=${wallS.toFixed(2)} service_cpu_s=${serviceCpu.toFixed(2)} `
          + `service_cpu_ms_per_1k=${(serviceCpu * 1e6 / Math.max(1, ids.length)).toFixed(1)} sandbox_cpu_s=${stopped.cpu.toFixed(2)} requests=${src.requests} load=${loadavg()[0]!.toFixed(2)}`;
      }
    }
    console.log(result);
  } finally {
    child.send({ op: 'exit' });
  }
}

main().catch((err) => {
  console.error(err);
  process.stdout.write(`FAILED reconcile_walk: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
