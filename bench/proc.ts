import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Linux /proc readers for the benchmark: a process's resident memory (VmRSS / VmHWM) and CPU time,
 * and which processes descend from which. Everything returns null / empty when a process is gone.
 */
const CLK_TCK = 100; // USER_HZ; 100 on every Linux the project targets

export interface ProcMemory {
  rssMb: number;
  /** VmHWM: the kernel's own high-water mark of RSS for the process's whole life. */
  hwmMb: number;
}

export function readMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime in seconds (this process's threads, not its reaped children). */
  cpuSec: number;
  /** cutime + cstime: children that exited and were reaped (Postgres backends of closed connections). */
  reapedCpuSec: number;
}

export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: it runs from the first "(" to the last ")".
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  return { pid, ppid: Number(rest[1]), comm, cpuSec: (Number(rest[11]) + Number(rest[12])) / CLK_TCK, reapedCpuSec: (Number(rest[13]) + Number(rest[14])) / CLK_TCK };
}

export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** The process and every live descendant. */
export function subtree(rootPid: number, procs: ProcStat[] = allProcesses()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const root = procs.find((p) => p.pid === rootPid);
  const out: ProcStat[] = root ? [root] : [];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!.pid) ?? []));
  return out;
}

/**
 * Sets the nice value of a process tree, thread by thread: Linux keeps one per thread, and a Node worker's
 * threads (the workflow thread, the SDK core's) or a Go server's were made before the call. Returns the threads changed.
 */
export function reniceTree(rootPid: number, nice: number): number {
  let changed = 0;
  for (const p of subtree(rootPid)) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p.pid}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tids) {
      try {
        setPriority(Number(tid), nice);
        changed += 1;
      } catch {
        // a thread that ended meanwhile
      }
    }
  }
  return changed;
}

/** Samples a process's memory at an interval and keeps the peaks. */
export class MemorySampler {
  peakRssMb = 0;
  hwmMb = 0;
  lastRssMb = 0;
  private timer?: NodeJS.Timeout;

  constructor(readonly pid: number, intervalMs = 250) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const m = readMemory(this.pid);
    if (!m || Number.isNaN(m.rssMb)) return;
    this.lastRssMb = m.rssMb;
    this.peakRssMb = Math.max(this.peakRssMb, m.rssMb);
    this.hwmMb = Math.max(this.hwmMb, m.hwmMb);
  }

  /** Peak RSS seen since the last reset (VmHWM is process-lifetime and cannot be reset). */
  resetPeak(): void {
    this.peakRssMb = this.lastRssMb;
  }

  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * CPU seconds per role, summed over live processes under `rootPid`: lets the report say which process
 * burnt the time (worker, sandboxes in this process, Temporal server, Postgres, emulator).
 */
export function cpuByRole(rootPid: number, roles: { name: string; pid?: number; tree?: boolean; comm?: RegExp }[]): Record<string, number> {
  const procs = subtree(rootPid);
  const out: Record<string, number> = {};
  const claimed = new Set<number>();
  for (const role of roles) {
    let sum = 0;
    const byComm = role.pid === undefined;
    const members = !byComm
      ? (role.tree === false ? procs.filter((p) => p.pid === role.pid) : subtree(role.pid!, procs))
      : procs.filter((p) => role.comm?.test(p.comm));
    for (const p of members) {
      if (claimed.has(p.pid)) continue;
      claimed.add(p.pid);
      // A role by name (Postgres) forks a process per connection: those that exit between two readings
      // would take their CPU with them (and the difference would go negative) unless the reaped time counts.
      sum += p.cpuSec + (byComm ? p.reapedCpuSec : 0);
    }
    out[role.name] = sum;
  }
  return out;
}

export function diffCpu(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = Math.max(0, v - (before[k] ?? 0));
  return out;
}
