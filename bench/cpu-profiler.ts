/**
 * A V8 CPU profile of one window of this process's life (node:inspector), for benchmarks that want the
 * cost of one phase rather than of the whole process (`node --cpu-prof` profiles start to exit, seeding
 * included). Summarise the file with bench/cpuprofile-summary.ts.
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WindowProfiler {
  /** Stops profiling; writes `<dir>/<name>.cpuprofile` and returns its path. */
  stop(): Promise<string>;
}

export async function startProfile(dir: string, name: string): Promise<WindowProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

/** CPU seconds (user + system) this process has used. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
