/**
 * The FreshBooks writes BigCommerce → FreshBooks needs (reference/freshbooks.md §3, §3.1, §9.7, §9.9, §9.10):
 * clients, items, invoices, payments and credit notes, each with a look-up so callers can check before they
 * create.
 *
 * Creates are sent once (`repeatable: false`): a POST that timed out or got a 5xx may still have been carried
 * out, so it throws, and the caller looks the record up by its own key (invoice number, email, SKU,
 * transaction id, credit number) before creating again. 401 refresh and 429 waits still apply to creates
 * because FreshBooks processed neither. Look-ups and `action_mark_as_sent` are safe to repeat and keep the
 * full retry policy.
 *
 * Look-ups never trust a `search[…]` filter alone: the filter names are [unverified] (§9.10) and FreshBooks
 * ignores unknown ones, which would return every record. So each look-up reads all pages and matches exactly
 * here, skips deleted records (vis_state 1), and takes the lowest id when several match.
 * It imports nothing from Temporal: activities wrap it and map its errors to retry policies.
 */
import { z } from 'zod';
import type { FreshBooksClientOptions } from './client';
import { FreshBooksApiError } from './errors';
import { retryPolicy, sendFreshBooksJson, type GetJsonPolicy } from './get-json';
import { trimBase } from './http';

export interface FbMoney {
  amount: string;
  code: string;
}

export interface FbClient {
  id: number;
  email: string;
  fname: string;
  lname: string;
  organization: string;
  visState: number;
}

export interface NewClient {
  email: string;
  fname?: string;
  lname?: string;
  organization?: string;
  currencyCode?: string;
  /** Sent as `bus_phone`. */
  phone?: string;
  /** The primary (billing) address, sent as FreshBooks' `p_*` fields. */
  street?: string;
  street2?: string;
  city?: string;
  province?: string;
  code?: string;
  country?: string;
}

export interface FbItem {
  id: number;
  name: string;
  sku: string;
}

export interface NewItem {
  name: string;
  sku?: string;
  description?: string;
  unitCost: FbMoney;
}

export interface FbInvoice {
  id: number;
  invoiceNumber: string;
  /** 1 draft, 2 sent, 4 paid, 8 partial… (§3.1). */
  status: number;
  amount: FbMoney;
  outstanding?: FbMoney;
  visState: number;
  customerId: number;
  notes: string;
}

export interface FbPayment {
  id: number;
  invoiceId: number;
  amount: FbMoney;
  /** '' when FreshBooks has none. */
  transactionId: string;
  note: string;
  type: string;
  date: string;
}

export interface NewPayment {
  invoiceId: number;
  amount: FbMoney;
  date: string;
  type: string;
  note: string;
  transactionId: string;
}

export interface FbCreditNote {
  id: number;
  creditNumber: string;
  amount: FbMoney;
}

export interface NewCreditNote {
  clientId: number;
  creditNumber: string;
  createDate: string;
  currencyCode: string;
  notes: string;
  lines: { name: string; description?: string; qty: string; unit_cost: FbMoney }[];
}

const Id = z.coerce.number().int();
const Vis = z.coerce.number().int().optional();
const Text = z.string().nullish();
const MoneyShape = z.object({ amount: z.union([z.string(), z.number()]).transform(String), code: z.string() });

const ClientShape = z.object({ id: Id, email: Text, fname: Text, lname: Text, organization: Text, vis_state: Vis });
const ItemShape = z.object({ id: Id, name: Text, sku: Text, vis_state: Vis });
const InvoiceShape = z.object({
  id: Id,
  invoice_number: z.union([z.string(), z.number()]).transform(String),
  status: z.coerce.number().int(),
  amount: MoneyShape,
  outstanding: MoneyShape.nullish(),
  vis_state: Vis,
  customerid: Id,
  notes: Text,
});
const PaymentShape = z.object({
  id: Id,
  invoiceid: Id,
  amount: MoneyShape,
  transactionid: z.union([z.string(), z.number()]).nullish(),
  note: Text,
  type: Text,
  date: Text,
  vis_state: Vis,
});
const CreditNoteShape = z.object({
  id: Id,
  credit_number: z.union([z.string(), z.number()]).transform(String),
  amount: MoneyShape,
  vis_state: Vis,
});

const Result = z.object({ response: z.object({ result: z.record(z.string(), z.unknown()) }) });
const PageNumbers = z.object({ page: z.coerce.number().int(), pages: z.coerce.number().int() });

const PER_PAGE = 100;
const DELETED = 1;

/** One FreshBooks resource: where it lives, what its envelope keys are, and how to read one record. */
interface Resource<S extends z.ZodType> {
  path: string;
  /** Key of one record in request bodies and replies. */
  single: string;
  /** Another key a reply may use for one record (credit notes, whose key is [unverified]). */
  altSingle?: string;
  list: string;
  shape: S;
}

const CLIENTS = { path: 'users/clients', single: 'client', list: 'clients', shape: ClientShape };
const ITEMS = { path: 'items/items', single: 'item', list: 'items', shape: ItemShape };
const INVOICES = { path: 'invoices/invoices', single: 'invoice', list: 'invoices', shape: InvoiceShape };
const PAYMENTS = { path: 'payments/payments', single: 'payment', list: 'payments', shape: PaymentShape };
// [unverified] Following the Node SDK, credit notes use the plural key for one record too (sandbox/credit-notes.ts).
const CREDIT_NOTES = { path: 'credit_notes/credit_notes', single: 'credit_notes', altSingle: 'credit_note', list: 'credit_notes', shape: CreditNoteShape };

export class FreshBooksWriter {
  readonly accountId: string;
  private readonly base: string;
  private readonly policy: GetJsonPolicy;

  constructor(opts: FreshBooksClientOptions) {
    this.accountId = opts.accountId;
    this.base = `${trimBase(opts.apiBase)}/accounting/account/${encodeURIComponent(opts.accountId)}`;
    this.policy = retryPolicy({ ...opts, budgetKey: opts.budgetKey ?? opts.accountId, label: opts.accountId });
  }

  // ---- clients ------------------------------------------------------------------------------------------

  /** null when FreshBooks does not know the id or the client is deleted. */
  async getClient(id: number): Promise<FbClient | null> {
    const c = await this.getOne(CLIENTS, id);
    return c && (c.vis_state ?? 0) !== DELETED ? toClient(c) : null;
  }

  /** Emails compare case-insensitively (how people and FreshBooks treat them); active or archived only. */
  async findClientByEmail(email: string): Promise<FbClient | null> {
    const want = email.trim().toLowerCase();
    if (want === '') return null;
    const hit = await this.findFirst(CLIENTS, { email: email.trim() }, (c) => (c.email ?? '').trim().toLowerCase() === want);
    return hit ? toClient(hit) : null;
  }

  async createClient(c: NewClient): Promise<FbClient> {
    return toClient(await this.create(CLIENTS, clientFields(c)));
  }

  /** Plain fields only, so FreshBooks applies all of them (a vis_state or action_* would drop the rest, §9.7). */
  async updateClient(id: number, c: Partial<NewClient>): Promise<FbClient> {
    return toClient(await this.send(CLIENTS, 'PUT', `${this.base}/${CLIENTS.path}/${id}`, clientFields(c), true));
  }

  // ---- items --------------------------------------------------------------------------------------------

  /** By SKU first (exact), then by exact name, so a renamed product still finds its item. */
  async findItem(q: { sku?: string; name?: string }): Promise<FbItem | null> {
    if (q.sku) {
      const sku = q.sku;
      const hit = await this.findFirst(ITEMS, { sku }, (i) => i.sku === sku);
      if (hit) return toItem(hit);
    }
    if (q.name) {
      const name = q.name;
      const hit = await this.findFirst(ITEMS, { name }, (i) => i.name === name);
      if (hit) return toItem(hit);
    }
    return null;
  }

  async createItem(i: NewItem): Promise<FbItem> {
    const fields: Record<string, unknown> = { name: i.name, unit_cost: { amount: i.unitCost.amount, code: i.unitCost.code } };
    if (i.sku !== undefined) fields.sku = i.sku;
    if (i.description !== undefined) fields.description = i.description;
    return toItem(await this.create(ITEMS, fields));
  }

  // ---- invoices -----------------------------------------------------------------------------------------

  /** Several invoices can share a number (FreshBooks does not refuse duplicates); the oldest is the one. */
  async findInvoiceByNumber(invoiceNumber: string): Promise<FbInvoice | null> {
    if (invoiceNumber === '') return null;
    const hit = await this.findFirst(INVOICES, { invoice_number: invoiceNumber }, (i) => i.invoice_number === invoiceNumber);
    return hit ? toInvoice(hit) : null;
  }

  /**
   * Created as a draft (§9.9). Without `invoice_number` a concurrent create can answer 409 (`isConflict`),
   * which wrote nothing; callers should set the number so they can look the invoice up after a failure.
   */
  async createInvoice(draft: Record<string, unknown>): Promise<FbInvoice> {
    return toInvoice(await this.create(INVOICES, draft));
  }

  /** Repeating it is harmless: a sent (or paid) invoice stays as it is. The PUT carries only the action (§9.7). */
  async markInvoiceSent(id: number): Promise<FbInvoice> {
    return toInvoice(await this.send(INVOICES, 'PUT', `${this.base}/${INVOICES.path}/${id}`, { action_mark_as_sent: true }, true));
  }

  // ---- payments -----------------------------------------------------------------------------------------

  /** Every live payment on the invoice, oldest first. */
  async paymentsForInvoice(invoiceId: number): Promise<FbPayment[]> {
    const rows = await this.findAll(PAYMENTS, { invoiceid: String(invoiceId) }, (p) => p.invoiceid === invoiceId);
    return rows.map(toPayment);
  }

  async createPayment(p: NewPayment): Promise<FbPayment> {
    return toPayment(
      await this.create(PAYMENTS, {
        invoiceid: p.invoiceId,
        amount: { amount: p.amount.amount, code: p.amount.code },
        date: p.date,
        type: p.type,
        note: p.note,
        transactionid: p.transactionId,
      }),
    );
  }

  // ---- credit notes -------------------------------------------------------------------------------------

  async findCreditNote(creditNumber: string): Promise<FbCreditNote | null> {
    if (creditNumber === '') return null;
    const hit = await this.findFirst(CREDIT_NOTES, { credit_number: creditNumber }, (c) => c.credit_number === creditNumber);
    return hit ? toCreditNote(hit) : null;
  }

  async createCreditNote(c: NewCreditNote): Promise<FbCreditNote> {
    return toCreditNote(
      await this.create(CREDIT_NOTES, {
        clientid: c.clientId,
        credit_number: c.creditNumber,
        create_date: c.createDate,
        currency_code: c.currencyCode,
        notes: c.notes,
        lines: c.lines,
      }),
    );
  }

  // ---- plumbing -----------------------------------------------------------------------------------------

  /** One record by id, or null for 404 / errno 1012 (which can arrive inside an HTTP 200, §9.15). */
  private async getOne<S extends z.ZodType>(r: Resource<S>, id: number): Promise<z.output<S> | null> {
    let body: unknown;
    try {
      body = await sendFreshBooksJson({ method: 'GET', url: `${this.base}/${r.path}/${encodeURIComponent(String(id))}` }, this.policy);
    } catch (err) {
      if (err instanceof FreshBooksApiError && (err.status === 404 || err.errno === 1012)) return null;
      throw err;
    }
    return this.record(r, body);
  }

  private create<S extends z.ZodType>(r: Resource<S>, fields: Record<string, unknown>): Promise<z.output<S>> {
    return this.send(r, 'POST', `${this.base}/${r.path}`, fields, false);
  }

  private async send<S extends z.ZodType>(
    r: Resource<S>,
    method: 'POST' | 'PUT',
    url: string,
    fields: Record<string, unknown>,
    repeatable: boolean,
  ): Promise<z.output<S>> {
    const body = await sendFreshBooksJson({ method, url, body: { [r.single]: fields }, repeatable }, this.policy);
    return this.record(r, body);
  }

  private record<S extends z.ZodType>(r: Resource<S>, body: unknown): z.output<S> {
    const env = Result.safeParse(body);
    const result = env.success ? env.data.response.result : {};
    const parsed = r.shape.safeParse(result[r.single] ?? (r.altSingle !== undefined ? result[r.altSingle] : undefined));
    if (!parsed.success) throw shapeError(r.single);
    return parsed.data;
  }

  /** The lowest-id live record that `match` accepts, reading every page of the filtered list. */
  private async findFirst<S extends z.ZodType<{ id: number; vis_state?: number | undefined }>>(
    r: Resource<S>,
    search: Record<string, string>,
    match: (rec: z.output<S>) => boolean,
  ): Promise<z.output<S> | null> {
    return (await this.findAll(r, search, match))[0] ?? null;
  }

  /** Every live record `match` accepts, by id ascending; `search` narrows the list but decides nothing. */
  private async findAll<S extends z.ZodType<{ id: number; vis_state?: number | undefined }>>(
    r: Resource<S>,
    search: Record<string, string>,
    match: (rec: z.output<S>) => boolean,
  ): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    const shape = z.array(r.shape);
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
      for (const [k, v] of Object.entries(search)) params.set(`search[${k}]`, v);
      const env = Result.safeParse(await sendFreshBooksJson({ method: 'GET', url: `${this.base}/${r.path}?${params}` }, this.policy));
      if (!env.success) throw shapeError(`${r.list} list`);
      const result = env.data.response.result;
      const rows = shape.safeParse(result[r.list] ?? []);
      const numbers = PageNumbers.safeParse(result);
      if (!rows.success || !numbers.success) throw shapeError(`${r.list} list`);
      for (const rec of rows.data) if ((rec.vis_state ?? 0) !== DELETED && match(rec)) out.push(rec);
      // Loop on `pages`, never on a short page: per_page is capped server-side (§9.11).
      if (page >= numbers.data.pages) break;
    }
    return out.sort((a, b) => a.id - b.id);
  }
}

const CLIENT_FIELD_NAMES: Record<keyof NewClient, string> = {
  email: 'email',
  fname: 'fname',
  lname: 'lname',
  organization: 'organization',
  currencyCode: 'currency_code',
  phone: 'bus_phone',
  street: 'p_street',
  street2: 'p_street2',
  city: 'p_city',
  province: 'p_province',
  code: 'p_code',
  country: 'p_country',
};

/** Only the fields given, so an update never blanks what the caller did not mention. */
function clientFields(c: Partial<NewClient>): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  for (const [k, name] of Object.entries(CLIENT_FIELD_NAMES) as Array<[keyof NewClient, string]>) {
    if (c[k] !== undefined) f[name] = c[k];
  }
  return f;
}

function toClient(c: z.output<typeof ClientShape>): FbClient {
  return { id: c.id, email: c.email ?? '', fname: c.fname ?? '', lname: c.lname ?? '', organization: c.organization ?? '', visState: c.vis_state ?? 0 };
}

function toItem(i: z.output<typeof ItemShape>): FbItem {
  return { id: i.id, name: i.name ?? '', sku: i.sku ?? '' };
}

function toInvoice(i: z.output<typeof InvoiceShape>): FbInvoice {
  const out: FbInvoice = {
    id: i.id,
    invoiceNumber: i.invoice_number,
    status: i.status,
    amount: i.amount,
    visState: i.vis_state ?? 0,
    customerId: i.customerid,
    notes: i.notes ?? '',
  };
  if (i.outstanding) out.outstanding = i.outstanding;
  return out;
}

function toPayment(p: z.output<typeof PaymentShape>): FbPayment {
  return {
    id: p.id,
    invoiceId: p.invoiceid,
    amount: p.amount,
    transactionId: p.transactionid === null || p.transactionid === undefined ? '' : String(p.transactionid),
    note: p.note ?? '',
    type: p.type ?? '',
    date: p.date ?? '',
  };
}

function toCreditNote(c: z.output<typeof CreditNoteShape>): FbCreditNote {
  return { id: c.id, creditNumber: c.credit_number, amount: c.amount };
}

function shapeError(what: string): FreshBooksApiError {
  return new FreshBooksApiError({ status: 200, message: `FreshBooks ${what} reply has an unexpected shape` });
}
