/**
 * List semantics (reference/freshbooks.md §4, §3.2, §9.5, §9.6, §9.11):
 * - `page` 1-based, `page=0` → 1, non-integer → errno 1014; `per_page` default 15, capped at 100 silently,
 *   non-integer → errno 1013; a page past the end is an empty list;
 * - `search[updated_min]` ≥ and `search[updated_max]` < , whole days in the record's own zone;
 * - `search[vis_state]` 0/1/2; by default 0 and 2 (deleted hidden);
 * - id ascending unless `sort=<field>_asc|_desc` names the id or updated field (other sorts are ignored).
 */
import { FRESHBOOKS_ENTITIES, type CoreFreshBooksEntity as FreshBooksEntity, type FreshBooksEntitySpec } from '../../common/freshbooks-entities';
import { dateToDay } from './clock';
import { SandboxError } from './errors';
import type { BaseRec, Table } from './model';

export interface ListQuery {
  page: number;
  perPage: number;
  minDay?: number;
  maxDay?: number;
  vis: ReadonlyArray<number>;
  sort: 'id_asc' | 'id_desc' | 'updated_asc' | 'updated_desc';
  includes: Set<string>;
}

export const DEFAULT_PER_PAGE = 15;
export const MAX_PER_PAGE = 100;

function positiveIntOrZero(raw: string): number | undefined {
  return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

/** What list parsing needs to know about a resource outside the sandbox's core tables (credit notes, ledger, time tracking). */
export type ListSpec = Pick<FreshBooksEntitySpec, 'idField' | 'singleKey' | 'updatedField'>;

export function parseListQuery(entity: FreshBooksEntity | ListSpec, params: URLSearchParams): ListQuery {
  const spec = typeof entity === 'string' ? FRESHBOOKS_ENTITIES[entity] : entity;
  const rawPage = params.get('page');
  let page = 1;
  if (rawPage !== null) {
    const n = positiveIntOrZero(rawPage);
    if (n === undefined) throw new SandboxError(400, 1014, 'Invalid page number.', 'page', undefined, rawPage);
    page = Math.max(1, n);
  }
  const rawPer = params.get('per_page');
  let perPage = DEFAULT_PER_PAGE;
  if (rawPer !== null) {
    const n = positiveIntOrZero(rawPer);
    if (n === undefined || n === 0) throw new SandboxError(400, 1013, 'Invalid per_page value.', 'per_page', undefined, rawPer);
    perPage = Math.min(MAX_PER_PAGE, n);
  }

  const dayParam = (name: string): number | undefined => {
    const raw = params.get(`search[${name}]`);
    if (raw === null) return undefined;
    const d = dateToDay(raw.trim());
    if (d === undefined) throw new SandboxError(400, 1004, `Invalid value for ${name}; expected YYYY-MM-DD.`, name, undefined, raw);
    return d;
  };
  const minDay = dayParam('updated_min');
  const maxDay = dayParam('updated_max');
  if (minDay !== undefined && maxDay !== undefined && maxDay < minDay) {
    throw new SandboxError(400, 1007, 'updated_max is before updated_min.', 'updated_max');
  }

  let vis: number[] = [0, 2];
  const rawVis = params.get('search[vis_state]');
  if (rawVis !== null) {
    if (!/^[012]$/.test(rawVis.trim())) throw new SandboxError(400, 1004, 'Invalid value for vis_state.', 'vis_state', undefined, rawVis);
    vis = [Number(rawVis.trim())];
  }

  let sort: ListQuery['sort'] = 'id_asc';
  const rawSort = params.get('sort');
  if (rawSort) {
    const m = /^(.+?)(?:_(asc|desc))?$/.exec(rawSort.trim());
    const field = m?.[1] ?? '';
    const dir = m?.[2] === 'desc' ? 'desc' : 'asc';
    if (field === spec.idField || field === 'id' || field === `${spec.singleKey}id` || field === `${spec.singleKey}_id`) sort = `id_${dir}`;
    else if (spec.updatedField && (field === spec.updatedField || field === 'updated' || field === 'updated_at')) sort = `updated_${dir}`;
  }

  const includes = new Set<string>([...params.getAll('include[]'), ...params.getAll('include')]);
  const out: ListQuery = { page, perPage, vis, sort, includes };
  if (minDay !== undefined) out.minDay = minDay;
  if (maxDay !== undefined) out.maxDay = maxDay;
  return out;
}

/**
 * Row indexes matching a query's filters, cached per table version: paging through 100k invoices would
 * otherwise re-filter the whole table on every page.
 */
export class FilterCache {
  private readonly cache = new Map<string, Int32Array>();
  constructor(private readonly maxEntries = 32) {}

  matching<R extends BaseRec>(cacheKey: string, table: Table<R>, entity: FreshBooksEntity, q: ListQuery): Int32Array {
    const key = `${cacheKey}|${entity}|v${table.version}|${q.vis.join(',')}|${q.minDay ?? ''}|${q.maxDay ?? ''}|${q.sort}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const rows = table.rows;
    const useDates = FRESHBOOKS_ENTITIES[entity].updatedField !== undefined;
    const minSec = q.minDay !== undefined && useDates ? q.minDay * 86_400 : -Infinity;
    const maxSec = q.maxDay !== undefined && useDates ? q.maxDay * 86_400 : Infinity;
    const vis0 = q.vis.includes(0);
    const vis1 = q.vis.includes(1);
    const vis2 = q.vis.includes(2);
    const picked = new Int32Array(rows.length);
    let n = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (table.isPurged(r.id)) continue;
      const v = r.vis;
      if (!(v === 0 ? vis0 : v === 1 ? vis1 : vis2)) continue;
      if (r.upd < minSec || r.upd >= maxSec) continue;
      picked[n++] = i;
    }
    let result = picked.slice(0, n);
    if (q.sort !== 'id_asc') {
      const arr = Array.from(result);
      if (q.sort === 'id_desc') arr.reverse();
      else {
        const sign = q.sort === 'updated_desc' ? -1 : 1;
        // Ties broken by id so paging stays stable.
        arr.sort((a, b) => sign * (rows[a]!.upd - rows[b]!.upd) || a - b);
      }
      result = Int32Array.from(arr);
    }
    this.cache.set(key, result);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return result;
  }
}
