/** Plain aligned columns: readable in a terminal, and still `cut`/`awk`-able. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** "label: value" lines, labels aligned; undefined values are left out. */
export function fields(pairs: [string, unknown][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === null || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n');
}

/** Seconds between two ISO times, one decimal; '-' while unfinished. */
export function duration(startedAt: string, finishedAt: string | null | undefined): string {
  if (!finishedAt) return '-';
  return `${((Date.parse(finishedAt) - Date.parse(startedAt)) / 1000).toFixed(1)}s`;
}
