/**
 * LookML as data, and its text. The generator builds these nodes; `render` is the only place that knows
 * LookML's punctuation (quoted strings, `;;`-terminated SQL, bracketed lists), so no part of the
 * generator can produce a half-quoted value.
 */
export type Node =
  | { kind: 'bare'; key: string; value: string }
  | { kind: 'string'; key: string; value: string }
  | { kind: 'sql'; key: string; value: string }
  | { kind: 'list'; key: string; items: readonly string[] }
  | { kind: 'filters'; key: string; items: readonly (readonly [field: string, expression: string])[] }
  | { kind: 'block'; key: string; name?: string; body: readonly Node[] };

/** LookML names: lower-case identifiers, optionally view-qualified (`view.field`). */
const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
/** Keywords and enum values written bare (`type: time`, `hidden: yes`). */
const BARE = /^[a-z][a-z0-9_]*$/;

export const bare = (key: string, value: string): Node => ({ kind: 'bare', key, value });
export const str = (key: string, value: string): Node => ({ kind: 'string', key, value });
export const sql = (key: string, value: string): Node => ({ kind: 'sql', key, value });
export const list = (key: string, items: readonly string[]): Node => ({ kind: 'list', key, items });
export const filters = (key: string, items: readonly (readonly [string, string])[]): Node => ({ kind: 'filters', key, items });
export const block = (key: string, name: string | undefined, body: readonly Node[]): Node => ({ kind: 'block', key, ...(name === undefined ? {} : { name }), body });
export const yes = (key: string, on: boolean): Node[] => (on ? [bare(key, 'yes')] : []);

/** A LookML file's text: top-level nodes separated by blank lines. */
export function renderFile(nodes: readonly Node[]): string {
  return `${nodes.map((n) => render(n, 0)).join('\n\n')}\n`;
}

function render(n: Node, depth: number): string {
  const pad = '  '.repeat(depth);
  switch (n.kind) {
    case 'bare':
      return `${pad}${n.key}: ${checked(BARE, n.value)}`;
    case 'string':
      return `${pad}${n.key}: ${quote(n.value)}`;
    case 'sql':
      if (n.value.includes(';;')) throw new Error(`${n.key}: SQL must not contain ";;"`);
      return `${pad}${n.key}: ${n.value.trim()} ;;`;
    case 'list':
      return `${pad}${n.key}: [${n.items.map((i) => checked(NAME, i)).join(', ')}]`;
    case 'filters':
      return `${pad}${n.key}: [${n.items.map(([f, e]) => `${checked(NAME, f)}: ${quote(e)}`).join(', ')}]`;
    case 'block': {
      const head = `${pad}${n.key}: ${n.name === undefined ? '' : `${checked(NAME, n.name)} `}{`;
      // A blank line before each nested block at the top level (view fields, explore joins), as people write it.
      const children = n.body.map((c, i) => (depth === 0 && c.kind === 'block' && i > 0 ? `\n${render(c, depth + 1)}` : render(c, depth + 1)));
      return [head, ...children, `${pad}}`].join('\n');
    }
  }
}

function checked(pattern: RegExp, value: string): string {
  if (!pattern.test(value)) throw new Error(`not a LookML name: ${JSON.stringify(value)}`);
  return value;
}

/** Descriptions come from the catalogue: one line, quotes and backslashes escaped. */
function quote(value: string): string {
  return `"${value.replace(/\s+/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
