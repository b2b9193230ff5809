/**
 * A whole LookML project for one warehouse connection: a view file per catalogue table and a model file
 * with the explores and a datagroup. Pure: the same catalogue and location give the same files.
 */
import { TABLES, type TableSpec } from '../freshbooks';
import { dialectOf, type WarehouseLocation } from './dialect';
import { exploreNodes, planExplores } from './explores';
import { block, bare, sql, str, renderFile, type Node } from './syntax';
import { viewFor, viewNameOf, type LookmlView } from './views';

export interface LookmlOptions {
  /** The Looker connection (Admin > Connections) that reaches this warehouse. */
  connection: string;
  /** The model's name: its file is `<model>.model.lkml`. */
  model: string;
}

export interface LookmlProject {
  /** File name -> text. Flat: the model includes the views from its own folder. */
  files: Record<string, string>;
  views: LookmlView[];
  explores: string[];
  datagroup: string;
}

export const DATAGROUP = 'freshbooks_synced';
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function generateLookml(where: WarehouseLocation, opts: LookmlOptions): LookmlProject {
  if (!NAME.test(opts.model)) throw new Error(`not a model name: ${opts.model}`);
  const d = dialectOf(where);
  const specs = (Object.values(TABLES) as TableSpec[]).filter((s) => where.tables[s.key] !== undefined);
  const views = specs.map((s) => viewFor(s, where.tables[s.key]!, d));
  const explores = planExplores(undefined, undefined, (table) => where.tables[table] !== undefined);

  // Looker asks the trigger every few minutes and rebuilds caches when its answer changes: the newest
  // delivery across every raw table (the `_latest` views would cost a window function per check).
  const newest = specs.map((s) => `SELECT MAX(_synced_at) AS synced_at FROM ${d.relation(where.tables[s.key]!)}`);
  const model: Node[] = [
    str('connection', opts.connection),
    str('label', 'FreshBooks'),
    str('include', 'freshbooks_*.view.lkml'),
    block('datagroup', DATAGROUP, [
      str('label', 'FreshBooks data synced'),
      str('description', 'Changes whenever ml-connector delivers rows; caches older than a day are dropped anyway'),
      sql('sql_trigger', `SELECT MAX(synced_at) FROM (\n    ${newest.join('\n    UNION ALL ')}\n  ) AS synced`),
      str('max_cache_age', '24 hours'),
    ]),
    bare('persist_with', DATAGROUP),
    ...explores.map(exploreNodes),
  ];

  const files: Record<string, string> = { [`${opts.model}.model.lkml`]: renderFile(model) };
  for (const v of views) files[`${v.name}.view.lkml`] = renderFile(v.nodes);
  return { files, views, explores: explores.map((e) => viewNameOf(e.spec.base)), datagroup: DATAGROUP };
}
