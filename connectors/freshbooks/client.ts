/**
 * Read-only FreshBooks client for one business: accounting lists by account id, project-like lists (time
 * entries, projects, services) by business id, each in its own envelope (entity catalogue: common/).
 *
 * What it handles so callers don't have to (reference/freshbooks.md §4, §6, §9):
 * - paging: `per_page` is capped at 100 server-side, so callers loop on `pages`, never on "short page";
 * - invoice lines only come with `include[]=lines` (the entity catalogue lists the includes);
 * - 401 → ask the TokenSource to refresh (it serializes refreshes; we never refresh ourselves) and retry once;
 * - 429 → honour Retry-After, pause the shared budget, retry until a wait cap;
 * - 5xx / network → jittered exponential retries (every call here is a GET, so retrying is safe);
 * - four error shapes, one of which arrives with HTTP 200.
 * It imports nothing from Temporal: activities wrap it and map its errors to retry policies.
 */
import { z } from 'zod';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { RequestBudget } from './budget';
import { FreshBooksApiError } from './errors';
import { getFreshBooksJson, retryPolicy, type GetJsonPolicy, type TokenSource } from './get-json';
import { trimBase } from './http';

export type { TokenSource } from './get-json';

export type { RequestBudget } from './budget';

export interface FreshBooksClientOptions {
  apiBase: string;
  accountId: string;
  /** Needed for project-like entities (`/<service>/business/{businessId}/…`). */
  businessId?: number;
  tokens: TokenSource;
  budget?: RequestBudget;
  /** Budget key; defaults to the account id so all workers reading one account share a pace. */
  budgetKey?: string;
  /** Total time we will sit out 429s for one call before giving up with FreshBooksRateLimitedError. */
  maxRateLimitWaitMs?: number;
  /** Per-attempt deadline. */
  timeoutMs?: number;
  /** Attempts for 5xx / network failures (including the first). */
  maxAttempts?: number;
  /** Base of the 5xx/network backoff; also the base when a 429 comes without Retry-After. */
  retryBaseMs?: number;
}

export interface ListQuery {
  page: number;
  /** Defaults to 100, FreshBooks' cap. */
  perPage?: number;
  /** `search[updated_min]`, "YYYY-MM-DD": whole days, inclusive, in the record's zone (§9.5). */
  updatedMin?: string;
  /** Bare `updated_since=<ISO UTC>` of project-like lists (time entries), e.g. "2020-10-17T13:14:07". */
  updatedSince?: string;
  /** 0 active, 1 deleted, 2 archived. Omitted = FreshBooks' default (0 and 2; deleted hidden). */
  visState?: 0 | 1 | 2;
  /**
   * False leaves out the entity's includes (invoice lines, §4): a reader that needs only ids and totals
   * (the reconciliation walk) gets pages a fraction of the size, and FreshBooks leaves the records otherwise
   * the same. Default true: a sync maps the lines.
   */
  includes?: boolean;
}

export interface ListPage {
  items: Record<string, unknown>[];
  page: number;
  pages: number;
  perPage: number;
  total: number;
}

const MAX_PER_PAGE = 100;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?$/;

const PageNumbers = z.object({
  page: z.coerce.number().int(),
  pages: z.coerce.number().int(),
  per_page: z.coerce.number().int(),
  total: z.coerce.number().int(),
});
const ResultEnvelope = z.object({ response: z.object({ result: z.record(z.string(), z.unknown()) }) });
/** Project-like replies: the list and `meta` at the top level. */
const ProjectEnvelope = z.object({ meta: PageNumbers.partial({ per_page: true }) }).loose();

export class FreshBooksClient {
  readonly accountId: string;
  readonly businessId: number | undefined;
  private readonly apiBase: string;
  private readonly policy: GetJsonPolicy;

  constructor(opts: FreshBooksClientOptions) {
    this.apiBase = trimBase(opts.apiBase);
    this.accountId = opts.accountId;
    this.businessId = opts.businessId;
    this.policy = retryPolicy({ ...opts, budgetKey: opts.budgetKey ?? opts.accountId, label: opts.accountId });
  }

  async listPage(entity: FreshBooksEntity, q: ListQuery): Promise<ListPage> {
    const spec = FRESHBOOKS_ENTITIES[entity];
    if (!Number.isInteger(q.page) || q.page < 1) throw new RangeError(`page must be a positive integer, got ${q.page}`);
    const perPage = Math.min(MAX_PER_PAGE, q.perPage ?? MAX_PER_PAGE);
    if (!Number.isInteger(perPage) || perPage < 1) throw new RangeError(`perPage must be a positive integer, got ${q.perPage}`);
    const params = new URLSearchParams();
    params.set('page', String(q.page));
    params.set('per_page', String(perPage));
    if (q.updatedMin !== undefined) {
      if (!DATE_RE.test(q.updatedMin)) throw new RangeError(`updatedMin must be YYYY-MM-DD, got ${q.updatedMin}`);
      params.set('search[updated_min]', q.updatedMin);
    }
    if (q.updatedSince !== undefined) {
      if (!ISO_RE.test(q.updatedSince)) throw new RangeError(`updatedSince must be an ISO date-time, got ${q.updatedSince}`);
      params.set('updated_since', q.updatedSince);
    }
    if (q.visState !== undefined) params.set('search[vis_state]', String(q.visState));
    // Accounting includes are `include[]=x`; project-like ones are bare `x=true` (§4).
    for (const inc of q.includes === false ? [] : spec.includes) {
      if (spec.envelope === 'accounting') params.append('include[]', inc);
      else params.set(inc, 'true');
    }

    const body = await this.getJson(`${this.basePath(entity)}/${spec.path}?${params.toString()}`);
    const page = spec.envelope === 'accounting' ? this.accountingPage(entity, body) : this.projectPage(entity, body);
    return page;
  }

  private accountingPage(entity: FreshBooksEntity, body: unknown): ListPage {
    const spec = FRESHBOOKS_ENTITIES[entity];
    const result = ResultEnvelope.safeParse(body);
    if (!result.success) throw this.shapeError(entity, 'list envelope');
    const r = result.data.response.result;
    const items = r[spec.listKey] ?? [];
    const numbers = PageNumbers.safeParse(r);
    if (!isRecordArray(items) || !numbers.success) throw this.shapeError(entity, `result.${spec.listKey}`);
    return {
      items,
      page: numbers.data.page,
      pages: numbers.data.pages,
      perPage: numbers.data.per_page,
      total: numbers.data.total,
    };
  }

  private projectPage(entity: FreshBooksEntity, body: unknown): ListPage {
    const spec = FRESHBOOKS_ENTITIES[entity];
    const env = ProjectEnvelope.safeParse(body);
    if (!env.success) throw this.shapeError(entity, 'meta');
    const items = (body as Record<string, unknown>)[spec.listKey] ?? [];
    if (!isRecordArray(items)) throw this.shapeError(entity, spec.listKey);
    const meta = env.data.meta;
    return { items, page: meta.page, pages: meta.pages, perPage: meta.per_page ?? items.length, total: meta.total };
  }

  /** Every page from `page` 1 to `pages`, as FreshBooks reports it on each reply. */
  async *listAll(entity: FreshBooksEntity, q: Omit<ListQuery, 'page'> = {}): AsyncGenerator<ListPage> {
    for (let page = 1; ; page++) {
      const p = await this.listPage(entity, { ...q, page });
      yield p;
      if (p.page >= p.pages) return;
    }
  }

  /** One record, or null when FreshBooks says it does not exist (404 / errno 1012). */
  async get(entity: FreshBooksEntity, id: number | string): Promise<Record<string, unknown> | null> {
    const spec = FRESHBOOKS_ENTITIES[entity];
    const params = new URLSearchParams();
    for (const inc of spec.includes) {
      if (spec.envelope === 'accounting') params.append('include[]', inc);
      else params.set(inc, 'true');
    }
    const qs = params.toString();
    let body: unknown;
    try {
      body = await this.getJson(`${this.basePath(entity)}/${spec.singlePath ?? spec.path}/${encodeURIComponent(String(id))}${qs ? `?${qs}` : ''}`);
    } catch (err) {
      if (err instanceof FreshBooksApiError && (err.status === 404 || err.errno === 1012)) return null;
      throw err;
    }
    const holder = spec.envelope === 'accounting' ? resultOf(body) : body;
    const keys = [spec.singleKey, ...(spec.singleKeyAliases ?? [])];
    const record = isRecord(holder) ? keys.map((k) => holder[k]).find(isRecord) : undefined;
    if (!record) throw this.shapeError(entity, `${spec.envelope === 'accounting' ? 'result.' : ''}${spec.singleKey}`);
    return record;
  }

  /** `/accounting/account/{accountId}` or `/<service>/business/{businessId}`, by the entity's namespace. */
  private basePath(entity: FreshBooksEntity): string {
    const ns = FRESHBOOKS_ENTITIES[entity].namespace;
    if (ns.kind === 'account') return `${this.apiBase}/accounting/account/${encodeURIComponent(this.accountId)}`;
    if (this.businessId === undefined) throw new RangeError(`FreshBooks ${entity} are read by business id, and this client has none`);
    return `${this.apiBase}/${ns.service}/business/${encodeURIComponent(String(this.businessId))}`;
  }

  private shapeError(entity: FreshBooksEntity, where: string): FreshBooksApiError {
    return new FreshBooksApiError({ status: 200, message: `FreshBooks ${entity} reply has an unexpected shape (${where})` });
  }

  private getJson(url: string): Promise<unknown> {
    return getFreshBooksJson(url, this.policy);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A list of records, checked without copying them: a schema parse of every record of every page was a
 * large share of a 100k-record walk's CPU, and the records' fields are the mapping's to judge.
 */
function isRecordArray(v: unknown): v is Record<string, unknown>[] {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!isRecord(item)) return false;
  return true;
}

function resultOf(body: unknown): unknown {
  const r = ResultEnvelope.safeParse(body);
  return r.success ? r.data.response.result : undefined;
}
