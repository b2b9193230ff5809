import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

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

