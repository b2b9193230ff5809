/**
 * Rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes for the characters
 * that would end a field or a row. Postgres text cannot hold NUL, so a NUL in a value becomes U+FFFD
 * (raw_json keeps the original, escaped by JSON as `\u0000`).
 */
export function copyTextLine(values: readonly unknown[]): string {
  return `${values.map(copyField).join('\t')}\n`;
}

export function copyField(value: unknown): string {
  const text = pgText(value);
  if (text === null) return '\\N';
  return text.replace(/[\\\n\r\t]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\t'));
}

/** A value as the text Postgres reads for its column: booleans as t/f, objects as JSON. */
export function pgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}
