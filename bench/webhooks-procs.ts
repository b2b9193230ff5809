/**
 * Process plumbing for bench/webhooks.ts: the API and the worker as child node processes (tsx loader,
 * so the pid sampled for RSS/CPU is node itself), their output forwarded with a prefix, a LIFO list
 * of clean-up steps, and latency summaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { benchMain } from './children';

const ROOT = resolve(__dirname, '..');
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs registered steps once, last registered first; a failing or hanging step does not stop the rest. */
export class Cleanup {
  private readonly stack: [string, () => unknown][] = [];
  private done?: Promise<void>;

  push(name: string, step: () => unknown): void {
    this.stack.unshift([name, step]);
  }

  runAll(stepTimeoutMs = 30_000): Promise<void> {
    this.done ??= this.stack.reduce<Promise<void>>((prev, [name, step]) => prev.then(async () => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${stepTimeoutMs} ms`)), stepTimeoutMs); });
      await Promise.race([Promise.resolve().then(step), limit])
        .catch((e: unknown) => process.stderr.write(`[bench] clean-up "${name}" failed: ${e instanceof Error ? e.message : String(e)}\n`))
        .finally(() => clearTimeout(timer));
    }), Promise.resolve());
    return this.done;
  }
}

/**
 * `node [nodeArgs] --import tsx <script>` from the repository root; stdout/stderr lines go to our stdout
 * as `<label> line`, unless `drop(line)` says to hide them. NODE_OPTIONS of the bench is not inherited.
 */
export function spawnNode(script: string, env: NodeJS.ProcessEnv, label: string, nodeArgs: string[] = [], drop: (line: string) => boolean = () => false): ChildProcess {
  const { NODE_OPTIONS: _ignored, ...clean } = env;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(ROOT, script)], { cwd: ROOT, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (coloured) => {
      const line = coloured.replace(/\x1b\[[0-9;]*m/g, ''); // the Temporal core's log colours
      if (!line.trim() || drop(line)) return;
      process.stdout.write(`${label} ${line.length > 300 ? `${line.slice(0, 300)}…` : line}\n`);
    });
  }
  return child;
}

/** Hides the Temporal SDK's INFO/DEBUG blocks (a header line, then indented metadata up to a closing brace). */
export function sdkChatter(): (line: string) => boolean {
  let open = false;
  return (line) => {
    const header = /^\S+ \[(INFO|DEBUG|TRACE)\] /.test(line);
    if (header) open = !/}\s*$/.test(line);
    else if (open && /}\s*$/.test(line)) { open = false; return true; }
    return header || open;
  };
}

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (!alive(child)) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => { if (alive(child)) child.kill('SIGKILL'); }, graceMs);
  await gone;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200 (or the child dies, or time runs out). */
export async function waitHttpOk(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(child)) throw new Error(`process for ${url} exited (code ${child.exitCode}, signal ${child.signalCode})`);
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not answering 200 after ${timeoutMs / 1000}s`);
    await delay(200);
  }
}

export interface Quantiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank quantiles; NaN everywhere when there is nothing to summarise. */
export function quantiles(values: number[]): Quantiles {
  if (values.length === 0) return { n: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

export function fmtMs(v: number, digits = 0): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

export function describeQuantiles(q: Quantiles, digits = 0): string {
  return `p50 ${fmtMs(q.p50, digits)} / p90 ${fmtMs(q.p90, digits)} / p99 ${fmtMs(q.p99, digits)} / max ${fmtMs(q.max, digits)} ms (n=${q.n})`;
}

/** Busy CPU seconds of the whole machine so far (/proc/stat, all cores): with the per-role figures it shows what other processes took. */
export function machineBusySec(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
  return busy / 100;
}

/**
 * A benchmark's main (bench/children.ts benchMain: hard timeout, Ctrl-C, clean-up always, FAILED line) for the
 * benchmarks built on a Cleanup stack; `lines` are printed, the RESULT line last, after everything has stopped.
 */
export function runBench(name: string, timeoutSec: number, log: (msg: string) => void,
  run: (cleanup: Cleanup) => Promise<{ code: number; lines: string[] }>): Promise<number> {
  return benchMain(name, timeoutSec, log, async (teardown) => {
    const cleanup = new Cleanup();
    teardown.add('everything the benchmark started', () => cleanup.runAll());
    const { code, lines } = await run(cleanup);
    return { code, result: lines.join('\n') };
  });
}
