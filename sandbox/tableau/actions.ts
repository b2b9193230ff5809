/**
 * The Update Data action list (`{"actions":[…]}`) checked and turned into Hyper SQL, then run against the
 * stored .hyper with the payload attached, all in one transaction: a failing action rolls the batch back whole.
 * Grammar (destinations.md C4, wave2-hands-on "Update Data"): actions insert, update, upsert, replace, delete;
 * conditions `and`/`or` (args), `not` (arg or one-element args), comparisons eq ne gt gte lt lte between
 * target-col and source-col or const {type, v}.
 */
import type pg from 'pg';
import { quoteIdent, quoteLiteral, quotePath, type HyperProcess } from '../../connectors/hyper';

export type ActionName = 'insert' | 'update' | 'upsert' | 'replace' | 'delete';

export interface Logical {
  op: 'and' | 'or' | 'not';
  args: Condition[];
}

export interface Comparison {
  op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';
  'target-col': string;
  'source-col'?: string;
  const?: { type: string; v: unknown };
}

export type Condition = Logical | Comparison;

export interface Action {
  action: ActionName;
  'target-schema': string;
  'target-table': string;
  'source-schema'?: string;
  'source-table'?: string;
  condition?: Condition;
}

const ACTIONS: ReadonlySet<string> = new Set(['insert', 'update', 'upsert', 'replace', 'delete']);
const COMPARE: Record<string, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** The action list, or the first problem found (a 400 for the caller). */
export function parseActions(body: unknown): { actions: Action[] } | { error: string } {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { actions?: unknown }).actions)) return { error: "the body must be {\"actions\":[…]}" };
  const raw = (body as { actions: unknown[] }).actions;
  if (raw.length === 0) return { error: 'actions is empty' };
  const actions: Action[] = [];
  for (const [i, a] of raw.entries()) {
    const at = `actions[${i}]`;
    if (!a || typeof a !== 'object') return { error: `${at} is not an object` };
    const o = a as Record<string, unknown>;
    if (typeof o.action !== 'string' || !ACTIONS.has(o.action)) return { error: `${at}.action must be one of insert, update, upsert, replace, delete` };
    for (const k of ['target-schema', 'target-table']) if (typeof o[k] !== 'string' || !o[k]) return { error: `${at}.${k} is required` };
    const needsSource = o.action !== 'delete';
    if (needsSource && (typeof o['source-table'] !== 'string' || !o['source-table'])) return { error: `${at}.source-table is required for ${o.action}` };
    if (o['source-table'] !== undefined && typeof o['source-schema'] !== 'string') return { error: `${at}.source-schema is required with source-table` };
    const needsCondition = o.action === 'update' || o.action === 'upsert' || o.action === 'delete';
    if (needsCondition && o.condition === undefined) return { error: `${at}.condition is required for ${o.action}` };
    if (!needsCondition && o.condition !== undefined) return { error: `${at}.condition is not allowed for ${o.action}` };
    if (o.condition !== undefined) {
      const bad = checkCondition(o.condition, `${at}.condition`, o['source-table'] !== undefined);
      if (bad) return { error: bad };
    }
    actions.push(o as unknown as Action);
  }
  return { actions };
}

function checkCondition(c: unknown, at: string, hasSource: boolean): string | undefined {
  if (!c || typeof c !== 'object') return `${at} is not an object`;
  const o = c as Record<string, unknown>;
  if (o.op === 'and' || o.op === 'or' || o.op === 'not') {
    const args = o.op === 'not' && o.arg !== undefined ? [o.arg] : o.args;
    if (!Array.isArray(args) || args.length === 0) return `${at}.args must be a non-empty array`;
    if (o.op === 'not' && args.length !== 1) return `${at}: not takes one argument`;
    for (const [i, a] of args.entries()) {
      const bad = checkCondition(a, `${at}.args[${i}]`, hasSource);
      if (bad) return bad;
    }
    if (o.op === 'not' && o.arg !== undefined) o.args = args;
    return undefined;
  }
  if (typeof o.op !== 'string' || !(o.op in COMPARE)) return `${at}.op must be one of and, or, not, ${Object.keys(COMPARE).join(', ')}`;
  if (typeof o['target-col'] !== 'string' || !o['target-col']) return `${at}.target-col is required`;
  const hasSourceCol = o['source-col'] !== undefined;
  const hasConst = o.const !== undefined;
  if (hasSourceCol === hasConst) return `${at} needs exactly one of source-col and const`;
  if (hasSourceCol && (typeof o['source-col'] !== 'string' || !o['source-col'])) return `${at}.source-col must be a column name`;
  if (hasSourceCol && !hasSource) return `${at} uses source-col but the action has no source-table`;
  if (hasConst) {
    const k = o.const as Record<string, unknown>;
    if (!k || typeof k !== 'object' || typeof k.type !== 'string' || k.v === undefined) return `${at}.const must be {"type":…,"v":…}`;
    if (constSql(k.type, k.v) === undefined) return `${at}.const: value ${JSON.stringify(k.v)} does not fit type ${k.type}`;
  }
  return undefined;
}

function constSql(type: string, v: unknown): string | undefined {
  switch (type.toLowerCase()) {
    case 'string':
    case 'text':
      return typeof v === 'string' && !v.includes('\0') ? quoteLiteral(v) : undefined;
    case 'integer':
    case 'int':
    case 'bigint':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^[+-]?\d{1,18}$/.test(v)) ? `CAST(${quoteLiteral(String(v))} AS BIGINT)` : undefined;
    case 'double':
    case 'real':
    case 'numeric':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^[+-]?\d+(\.\d+)?$/.test(v)) ? `CAST(${quoteLiteral(String(v))} AS DOUBLE PRECISION)` : undefined;
    case 'bool':
    case 'boolean':
      return typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : undefined;
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? `CAST(${quoteLiteral(v)} AS DATE)` : undefined;
    case 'datetime':
    case 'timestamp':
      if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) return undefined;
      // Stored datetimes are UTC wall-clock time (connectors/hyper writes TIMESTAMP in UTC).
      return `CAST(${quoteLiteral(new Date(v).toISOString().replace('T', ' ').replace('Z', ''))} AS TIMESTAMP)`;
    default:
      return undefined;
  }
}

function conditionSql(c: Condition): string {
  if ('args' in c) return c.op === 'not' ? `(NOT ${conditionSql(c.args[0]!)})` : `(${c.args.map(conditionSql).join(` ${c.op.toUpperCase()} `)})`;
  const right = c['source-col'] !== undefined ? `"s".${quoteIdent(c['source-col'])}` : constSql(c.const!.type, c.const!.v)!;
  return `("t".${quoteIdent(c['target-col'])} ${COMPARE[c.op]} ${right})`;
}

export interface ActionResult {
  action: ActionName;
  target: string;
  /** Rows the action inserted, updated or deleted (upsert: updated + inserted). */
  rows: number;
}

/**
 * Runs the actions on `targetPath` with `payloadPath` attached, in one transaction. Throws (after rolling
 * back) on the first failing action; the message becomes the job's notes.
 */
export async function applyActions(hyper: HyperProcess, targetPath: string, payloadPath: string | undefined, actions: Action[]): Promise<ActionResult[]> {
  const client = await hyper.connect();
  try {
    await client.query(`ATTACH DATABASE ${quotePath(targetPath)} AS "target"`);
    try {
      if (payloadPath) await client.query(`ATTACH DATABASE ${quotePath(payloadPath)} AS "payload"`);
      await client.query('BEGIN');
      try {
        const results: ActionResult[] = [];
        for (const a of actions) results.push(await applyOne(client, a, payloadPath !== undefined));
        await client.query('COMMIT');
        return results;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      // hyperd releases attached files only some time after the connection ends; the next reader or
      // publish of this data source would find it locked.
      if (payloadPath) await client.query(`DETACH DATABASE "payload"`).catch(() => undefined);
      await client.query(`DETACH DATABASE "target"`).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function columns(client: pg.Client, qualified: string): Promise<string[]> {
  return (await client.query(`SELECT * FROM ${qualified} LIMIT 0`)).fields.map((f) => f.name);
}

async function applyOne(client: pg.Client, a: Action, hasPayload: boolean): Promise<ActionResult> {
  const target = `"target".${quoteIdent(a['target-schema'])}.${quoteIdent(a['target-table'])}`;
  const label = `${a['target-schema']}.${a['target-table']}`;
  const targetCols = await columns(client, target);
  let source: string | undefined;
  let shared: string[] = [];
  if (a['source-table'] !== undefined) {
    if (!hasPayload) throw new Error(`${a.action} on ${label}: source table ${a['source-table']} given but no payload file was uploaded`);
    source = `"payload".${quoteIdent(a['source-schema']!)}.${quoteIdent(a['source-table'])}`;
    const sourceCols = await columns(client, source);
    if (a.action !== 'delete') {
      const missing = sourceCols.filter((c) => !targetCols.includes(c));
      if (missing.length) throw new Error(`${a.action} on ${label}: source columns not in the target: ${missing.join(', ')}`);
    }
    shared = sourceCols;
  }
  const cols = shared.map(quoteIdent).join(', ');
  const srcCols = shared.map((c) => `"s".${quoteIdent(c)}`).join(', ');
  const cond = a.condition ? conditionSql(a.condition) : 'TRUE';
  const run = async (sql: string) => (await client.query(sql)).rowCount ?? 0;
  switch (a.action) {
    case 'insert':
      return { action: a.action, target: label, rows: await run(`INSERT INTO ${target} (${cols}) SELECT ${srcCols} FROM ${source} AS "s"`) };
    case 'replace': {
      await run(`DELETE FROM ${target}`);
      return { action: a.action, target: label, rows: await run(`INSERT INTO ${target} (${cols}) SELECT ${srcCols} FROM ${source} AS "s"`) };
    }
    case 'update':
      return { action: a.action, target: label, rows: await run(updateSql(target, source!, shared, cond)) };
    case 'upsert': {
      const updated = await run(updateSql(target, source!, shared, cond));
      const inserted = await run(`INSERT INTO ${target} (${cols}) SELECT ${srcCols} FROM ${source} AS "s" WHERE NOT EXISTS (SELECT 1 FROM ${target} AS "t" WHERE ${cond})`);
      return { action: a.action, target: label, rows: updated + inserted };
    }
    case 'delete':
      return {
        action: a.action,
        target: label,
        rows: await run(source ? `DELETE FROM ${target} AS "t" WHERE EXISTS (SELECT 1 FROM ${source} AS "s" WHERE ${cond})` : `DELETE FROM ${target} AS "t" WHERE ${cond}`),
      };
  }
}

function updateSql(target: string, source: string, cols: string[], cond: string): string {
  const set = cols.map((c) => `${quoteIdent(c)} = "s".${quoteIdent(c)}`).join(', ');
  return `UPDATE ${target} AS "t" SET ${set} FROM ${source} AS "s" WHERE ${cond}`;
}
