// A node:test reporter that prints, once the run ends, how long each test file took, slowest first: the wall
// time from the previous file's last event to its own (test files run one at a time, so that includes the
// file's start-up and hooks), and the sum of its top-level tests' durations.
import { relative } from 'node:path';

export default async function* fileTimes(source) {
  const files = new Map();
  let lastAt = Date.now();
  for await (const { type, data } of source) {
    if (!data?.file) continue;
    const now = Date.now();
    const file = relative(process.cwd(), data.file);
    let f = files.get(file);
    if (!f) files.set(file, f = { wallMs: 0, testsMs: 0 });
    f.wallMs += now - lastAt;
    lastAt = now;
    if ((type === 'test:pass' || type === 'test:fail') && data.nesting === 0) f.testsMs += data.details?.duration_ms ?? 0;
  }
  const rows = [...files].sort((a, b) => b[1].wallMs - a[1].wallMs);
  const total = rows.reduce((n, [, f]) => n + f.wallMs, 0);
  yield `\n[file-times] wall s  tests s  file (${rows.length} files, ${(total / 1000).toFixed(0)} s)\n`;
  for (const [file, f] of rows) yield `[file-times] ${(f.wallMs / 1000).toFixed(1).padStart(6)}  ${(f.testsMs / 1000).toFixed(1).padStart(7)}  ${file}\n`;
}
