import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Reading generated LookML the way Looker would: every file parsed by a real LookML parser (PyPI
 * `lkml`, installed by scripts/install-tools.sh), then SQL built from the parsed files alone — the
 * explore's `sql_on` clauses and each field's `sql` with `${TABLE}` and `${field}` references
 * substituted — so what runs on a warehouse is what the files say, not what the generator meant.
 */

export interface ParsedField { name: string; type?: string; sql?: string; sql_distinct_key?: string; hidden?: string; primary_key?: string; required_fields?: string[]; timeframes?: string[]; datatype?: string }
export interface ParsedView { name: string; sql_table_name: string; dimensions?: ParsedField[]; dimension_groups?: ParsedField[]; measures?: ParsedField[] }
export interface ParsedJoin { name: string; sql_on: string; relationship: string; type?: string }
export interface ParsedExplore { name: string; joins?: ParsedJoin[]; always_filter?: unknown }
export interface ParsedModel { connection: string; includes?: string[]; datagroups?: { name: string; sql_trigger: string; max_cache_age?: string }[]; persist_with?: string; explores?: ParsedExplore[] }
export interface ParsedProject { model: ParsedModel; views: Map<string, ParsedView> }

const PARSE = `
import json, sys, lkml
files = json.load(sys.stdin)
out = {}
for name, text in files.items():
    try:
        out[name] = {"ok": lkml.load(text)}
    except Exception as e:
        out[name] = {"error": f"{type(e).__name__}: {e}"}
json.dump(out, sys.stdout)
`;

function python(): string {
  const candidates = [process.env.TOOLS_PYTHON, path.resolve(__dirname, '../../.tools/venv/bin/python')];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('no .tools/venv python: run scripts/install-tools.sh (it installs lkml)');
  return found;
}

/** Each file as `lkml` parses it; a file it refuses throws, naming the file and the parser's message. */
export async function parseLookmlFiles(files: Record<string, string>): Promise<Record<string, any>> {
  const child = spawn(python(), ['-c', PARSE], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(JSON.stringify(files));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`lkml failed (${code}): ${Buffer.concat(err).toString()}`);
  const parsed = JSON.parse(Buffer.concat(out).toString()) as Record<string, { ok?: unknown; error?: string }>;
  const refused = Object.entries(parsed).filter(([, r]) => r.error);
  if (refused.length > 0) throw new Error(`lkml refused: ${refused.map(([n, r]) => `${n}: ${r.error}`).join('; ')}`);
  return Object.fromEntries(Object.entries(parsed).map(([n, r]) => [n, r.ok]));
}

/** The model file and every view, parsed; each view file must hold exactly the view it is named after. */
export async function parseLookmlProject(files: Record<string, string>): Promise<ParsedProject> {
  const parsed = await parseLookmlFiles(files);
  const models = Object.keys(parsed).filter((n) => n.endsWith('.model.lkml'));
  if (models.length !== 1) throw new Error(`expected one model file, got ${models.join(', ')}`);
  const views = new Map<string, ParsedView>();
  for (const [name, doc] of Object.entries(parsed)) {
    if (!name.endsWith('.view.lkml')) continue;
    const [view, ...more] = (doc.views ?? []) as ParsedView[];
    if (!view || more.length > 0 || `${view.name}.view.lkml` !== name) throw new Error(`${name} does not hold exactly its view`);
    views.set(view.name, view);
  }
  return { model: parsed[models[0]!] as ParsedModel, views };
}

const fieldsOf = (v: ParsedView): ParsedField[] => [...(v.dimensions ?? []), ...(v.measures ?? [])];

/**
 * A field's SQL with references substituted, as Looker does: `${TABLE}` is the view's alias (its name),
 * `${field}` and `${view.field}` are that field's own SQL, recursively. Measures referenced by a
 * `type: number` measure become their aggregate (`aggregate` says how).
 */
export function fieldSql(p: ParsedProject, viewName: string, sqlText: string, aggregate?: (v: ParsedView, f: ParsedField) => string, depth = 0): string {
  if (depth > 10) throw new Error(`${viewName}: reference cycle in ${sqlText}`);
  return sqlText.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?\}/g, (_, a: string, b: string | undefined) => {
    if (a === 'TABLE' && b === undefined) return viewName;
    const [vName, fName] = b === undefined ? [viewName, a] : [a, b];
    const v = p.views.get(vName);
    const f = v && fieldsOf(v).find((x) => x.name === fName);
    if (!v || !f || f.sql === undefined) throw new Error(`${viewName}: \${${b === undefined ? a : `${a}.${b}`}} names no field with SQL`);
    const inner = fieldSql(p, vName, f.sql, aggregate, depth + 1);
    const isMeasure = (v.measures ?? []).includes(f);
    if (!isMeasure) return `(${inner})`;
    if (!aggregate) throw new Error(`${viewName}: measure ${fName} referenced outside a measure`);
    return `(${aggregate(v, f)})`;
  });
}

const ident = (view: string, field: string) => `${view}__${field}`;

/** The explore's views: its base, then its joins in order. */
export function exploreViews(p: ParsedProject, e: ParsedExplore): ParsedView[] {
  return [e.name, ...(e.joins ?? []).map((j) => j.name)].map((n) => {
    const v = p.views.get(n);
    if (!v) throw new Error(`explore ${e.name} names view ${n}, which no file defines`);
    return v;
  });
}

/** SELECT every dimension and dimension group of every view of the explore, joined by its `sql_on` clauses. */
export function exploreSelectSql(p: ParsedProject, e: ParsedExplore, limit = 50): string {
  const views = exploreViews(p, e);
  const columns = views.flatMap((v) => [
    ...(v.dimensions ?? []).map((d) => `${fieldSql(p, v.name, d.sql!)} AS ${ident(v.name, d.name)}`),
    ...(v.dimension_groups ?? []).map((g) => `${fieldSql(p, v.name, g.sql!)} AS ${ident(v.name, g.name)}`),
  ]);
  const [base, ...joined] = views;
  if (columns.some((c) => c.includes('${'))) throw new Error(`${e.name}: a reference was left unsubstituted`);
  const joins = (e.joins ?? []).map((j, i) => {
    if ((j.type ?? 'left_outer') !== 'left_outer') throw new Error(`join ${j.name}: only left_outer joins are generated`);
    return `LEFT JOIN ${joined[i]!.sql_table_name} AS ${j.name} ON ${fieldSql(p, e.name, j.sql_on)}`;
  });
  return [`SELECT ${columns.join(',\n  ')}`, `FROM ${base!.sql_table_name} AS ${base!.name}`, ...joins, `LIMIT ${limit}`].join('\n');
}

/**
 * One view's measures grouped by `groupBy` (dimension names), unjoined: `count` is COUNT(*), a
 * `sum_distinct` is a plain SUM (a `_latest` view has one row per primary key, so nothing repeats),
 * `count_distinct` is COUNT(DISTINCT ...), and `number` measures combine those.
 */
export function measuresSql(p: ParsedProject, viewName: string, measures: string[], groupBy: string[]): string {
  const v = p.views.get(viewName)!;
  const aggregate = (mv: ParsedView, m: ParsedField): string => {
    const inner = () => fieldSql(p, mv.name, m.sql!, aggregate);
    switch (m.type) {
      case 'count': return 'COUNT(*)';
      case 'sum_distinct': case 'sum': return `SUM(${inner()})`;
      case 'count_distinct': return `COUNT(DISTINCT ${inner()})`;
      case 'number': return inner();
      default: throw new Error(`${mv.name}.${m.name}: measure type ${m.type} not emulated`);
    }
  };
  const dim = (n: string) => fieldSql(p, viewName, `\${${n}}`);
  const select = [
    ...groupBy.map((g) => `${dim(g)} AS ${g}`),
    ...measures.map((n) => `${aggregate(v, (v.measures ?? []).find((m) => m.name === n)!)} AS ${n}`),
  ];
  return [`SELECT ${select.join(', ')}`, `FROM ${v.sql_table_name} AS ${v.name}`, ...(groupBy.length ? [`GROUP BY ${groupBy.map((_, i) => i + 1).join(', ')}`] : [])].join('\n');
}

/** Every `${TABLE}.column` a view's fields read (quoted or not), for checking them against the warehouse. */
export function columnsRead(v: ParsedView): Set<string> {
  const cols = new Set<string>();
  for (const f of [...(v.dimensions ?? []), ...(v.dimension_groups ?? []), ...(v.measures ?? [])]) {
    for (const m of `${f.sql ?? ''} ${f.sql_distinct_key ?? ''}`.matchAll(/\$\{TABLE\}\.(?:"([^"]+)"|`([^`]+)`|([A-Za-z_][A-Za-z0-9_]*))/g)) cols.add(m[1] ?? m[2] ?? m[3]!);
  }
  return cols;
}
