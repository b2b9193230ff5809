/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by package / project file, and inclusive time
 * of the functions that matter for a backfill (mapping, NDJSON encoding, JSON parsing, Temporal SDK…).
 *
 *   npx tsx bench/cpuprofile-summary.ts [--from-sec S] [--to-sec S] /tmp/ml-connector-bench-profile/worker-….cpuprofile
 *
 * `--from-sec`/`--to-sec` keep the samples of one phase (seconds since the profile started, i.e. roughly since the
 * process started), e.g. a benchmark's sustained run without the setup backfill that dwarfs it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = resolve(__dirname, '..');

function category(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/V8 builtins)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(ROOT)) return path.slice(ROOT.length + 1);
  return path;
}

export interface ProfileSummary {
  totalMs: number;
  byCategory: [string, number][];
  inclusive: [string, number][];
}

/** Inclusive time of functions whose name (or "file:function") matches one of `watch`. */
export function summarise(file: string, watch: RegExp[] = DEFAULT_WATCH, window: { fromSec?: number; toSec?: number } = {}): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  const fromUs = (window.fromSec ?? 0) * 1e6;
  const toUs = (window.toSec ?? Infinity) * 1e6;
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }

  const cats = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    total += ms;
    const cat = category(n.callFrame.url, n.callFrame.functionName);
    cats.set(cat, (cats.get(cat) ?? 0) + ms);
    // Walk the stack once per sample node; count each watched label once per stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const label = `${category(f.url, f.functionName)}:${f.functionName || '(anonymous)'}`;
      if (seen.has(label)) continue;
      if (watch.some((w) => w.test(label))) {
        seen.add(label);
        incl.set(label, (incl.get(label) ?? 0) + ms);
      }
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byCategory: sorted(cats), inclusive: sorted(incl) };
}

export const DEFAULT_WATCH: RegExp[] = [
  /:mapRecord$/, /:collect$/, /:syncPages$/, /:writeRows$/, /:loadRows$/, /:encodeNdjson$/, /:inferExtraColumns$/,
  /:listPage$/, /:getJson$/, /:sendHttp$/, /:parse$/, /:stringify$/, /:safeParse$/, /:undelivered$/, /:markDelivered$/,
  /:uploadLoadJob$/, /:batchKeyOf$/, /^\(garbage collector\)/,
];

export function formatSummary(label: string, s: ProfileSummary, top = 14): string[] {
  const pct = (ms: number) => `${((100 * ms) / Math.max(1, s.totalMs)).toFixed(1)}%`;
  const lines = [`${label}: ${(s.totalMs / 1000).toFixed(1)} s of samples (incl. idle)`];
  lines.push('  self time by package / project file:');
  for (const [k, ms] of s.byCategory.slice(0, top)) lines.push(`    ${k.padEnd(48)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${pct(ms)}`);
  lines.push('  inclusive time of watched functions:');
  for (const [k, ms] of s.inclusive.slice(0, top)) lines.push(`    ${k.padEnd(60)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${pct(ms)}`);
  return lines;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const window: { fromSec?: number; toSec?: number } = {};
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--from-sec') window.fromSec = Number(args[++i]);
    else if (args[i] === '--to-sec') window.toSec = Number(args[++i]);
    else files.push(args[i]!);
  }
  if (files.length === 0 || Object.values(window).some((v) => !Number.isFinite(v))) {
    console.error('usage: tsx bench/cpuprofile-summary.ts [--from-sec S] [--to-sec S] <file.cpuprofile>…');
    process.exit(2);
  }
  for (const f of files) console.log(formatSummary(f, summarise(f, DEFAULT_WATCH, window), 24).join('\n'));
}
