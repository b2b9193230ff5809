/**
 * Credit notes (what a BigCommerce refund becomes), `/accounting/account/{accountId}/credit_notes/credit_notes`.
 *
 * The reference (reference/freshbooks.md) only names them: scope `user:credit_notes:*` (§1) and webhook noun
 * `credit_note` (§5). Everything else here is [unverified] against FreshBooks' docs and follows the official Node
 * SDK instead (`NODE:packages/api/src/models/CreditNote.ts`, `__tests__/CreditNote.test.ts`):
 * - path `credit_notes/credit_notes[/{id}]`; list key `credit_notes`;
 * - the SDK wraps the request body AND the single-record reply in the PLURAL key `credit_notes` (unlike every other
 *   resource); the sandbox replies with `credit_notes` and accepts either `credit_notes` or `credit_note` in bodies;
 * - fields: id = creditid, clientid, credit_number, credit_type (goodwill | overpayment | prepayment), create_date,
 *   currency_code, amount{}, paid{}, status / display_status (draft | created | sent | viewed), payment_status
 *   (unpaid | partial | paid), notes, description, vis_state, and client/address copies like an invoice;
 * - lines only with `include[]=lines` (assumed to behave like invoices, §9.8); line fields as the SDK fixture:
 *   creditid, name, description, qty, unit_cost{}, amount{}, taxName1/2, taxAmount1/2 (percent), compounded_tax, taskno;
 * - `amount` is computed like an invoice (Σ qty × unit_cost + per-line taxes) [unverified]; `paid` stays 0 and
 *   `payment_status` "unpaid" because the sandbox does not model applying a credit to an invoice;
 * - the SDK shows no `updated` field, so `search[updated_min]` does not apply; the sandbox still stamps an
 *   internal time so lists can sort by it.
 * - a create without `credit_number` takes the previous one plus one, like invoices [unverified].
 * - required on create: `clientid` [unverified].
 */
import { dateToDay, dayToDate } from './clock';
import { SandboxError } from './errors';
import { linesTotals } from './doc-arithmetic';
import type { AccountData, BaseRec, InvoiceLineRec } from './model';
import { lineCents, money, qtyString, type TaxTable } from './money';
import { parseInvoiceLines, type MutationContext } from './mutations';
import { nextDocumentNumber } from './numbering';
import { documentClientFields } from './render';
import type { FilterFields } from './search';

type Json = Record<string, unknown>;

export const CREDIT_NOTE_SPEC = {
  path: 'credit_notes/credit_notes',
  listKey: 'credit_notes',
  /** [unverified] The SDK uses the plural key for single records too. */
  singleKey: 'credit_notes',
  bodyKeys: ['credit_notes', 'credit_note'],
  idField: 'creditid',
  webhookNoun: 'credit_note',
} as const;

/** Ids are per account and start here in every account (like model.FIRST_IDS). */
export const CREDIT_NOTE_FIRST_ID = 1400001;

export const CREDIT_TYPES = ['goodwill', 'overpayment', 'prepayment'] as const;
const STATUSES = ['draft', 'created', 'sent', 'viewed'] as const;

export interface CreditNoteRec extends BaseRec {
  client: number;
  num: string;
  day: number;
  cur: string;
  type: string;
  status: string;
  notes: string;
  desc: string;
  lines: InvoiceLineRec[];
}

export const CREDIT_NOTE_FILTERS: FilterFields<CreditNoteRec> = {
  credit_number: (r) => r.num,
  clientid: (r) => String(r.client),
  notes: (r) => r.notes,
  description: (r) => r.desc,
};

const DAY = 86_400;

function bad(field: string, message: string, value?: unknown): never {
  throw new SandboxError(422, 1004, message, field, 'credit_note', value === undefined ? undefined : String(value));
}

export function blankCreditNote(id: number, previous: CreditNoteRec | undefined, ctx: MutationContext): CreditNoteRec {
  return {
    id,
    vis: 0,
    upd: ctx.eastNow,
    client: 0,
    num: nextDocumentNumber(previous?.num),
    day: Math.floor(ctx.eastNow / DAY),
    cur: ctx.account.business.baseCurrency,
    type: 'goodwill',
    status: 'created',
    notes: '',
    desc: '',
    lines: [],
  };
}

const KNOWN = new Set(['clientid', 'credit_number', 'credit_type', 'create_date', 'currency_code', 'notes', 'description', 'lines', 'status', 'display_status']);
const DERIVED = new Set(['id', 'creditid', 'amount', 'paid', 'payment_status', 'vis_state', 'accounting_systemid', 'updated']);

export function patchCreditNote(c: CreditNoteRec, f: Json, ctx: MutationContext): void {
  if (f.clientid !== undefined) {
    const id = Number(f.clientid);
    const client = Number.isInteger(id) ? ctx.account.tables.clients.get(id) : undefined;
    if (!client) throw new SandboxError(422, 1012, 'clientid does not refer to an existing record.', 'clientid', 'clients', String(f.clientid));
    c.client = client.id;
    if (f.currency_code === undefined && c.lines.length === 0) c.cur = client.cur;
  }
  if (f.currency_code !== undefined) {
    if (typeof f.currency_code !== 'string' || !/^[A-Z]{3}$/.test(f.currency_code)) bad('currency_code', 'currency_code must be an ISO-4217 code', f.currency_code);
    c.cur = f.currency_code;
  }
  if (f.credit_number !== undefined && f.credit_number !== null && f.credit_number !== '') c.num = String(f.credit_number);
  if (f.credit_type !== undefined) {
    if (!(CREDIT_TYPES as readonly unknown[]).includes(f.credit_type)) bad('credit_type', `credit_type must be one of ${CREDIT_TYPES.join(', ')}`, f.credit_type);
    c.type = f.credit_type as string;
  }
  const status = f.status ?? f.display_status;
  if (status !== undefined) {
    if (!(STATUSES as readonly unknown[]).includes(status)) bad('status', `status must be one of ${STATUSES.join(', ')}`, status);
    c.status = status as string;
  }
  if (f.create_date !== undefined) {
    const d = typeof f.create_date === 'string' ? dateToDay(f.create_date) : undefined;
    if (d === undefined) bad('create_date', 'create_date must be YYYY-MM-DD', f.create_date);
    c.day = d;
  }
  if (f.notes !== undefined) c.notes = f.notes === null ? '' : String(f.notes);
  if (f.description !== undefined) c.desc = f.description === null ? '' : String(f.description);
  if (f.lines !== undefined) c.lines = parseInvoiceLines(f.lines, ctx);
  for (const [k, v] of Object.entries(f)) {
    if (KNOWN.has(k) || DERIVED.has(k)) continue;
    c.extra = c.extra ?? {};
    c.extra[k] = v;
  }
}

export function renderCreditNote(c: CreditNoteRec, account: AccountData, taxes: TaxTable, includeLines: boolean): Json {
  const client = account.tables.clients.get(c.client);
  const totals = linesTotals(c.lines, taxes);
  const body: Json = {
    id: c.id,
    creditid: c.id,
    accounting_systemid: account.business.accountId,
    clientid: c.client,
    sentid: 1,
    credit_number: c.num,
    credit_type: c.type,
    create_date: dayToDate(c.day),
    currency_code: c.cur,
    amount: money(totals.total, c.cur),
    paid: money(0, c.cur),
    payment_status: 'unpaid',
    payment_type: null,
    status: c.status,
    display_status: c.status,
    dispute_status: null,
    last_order_status: null,
    ext_archive: 0,
    notes: c.notes,
    description: c.desc,
    ...documentClientFields(client),
    language: 'en',
    template: 'clean-grouped',
    terms: null,
    vat_name: null,
    vat_number: '',
    vis_state: c.vis,
  };
  if (includeLines) {
    body.lines = c.lines.map((l) => {
      const t1 = taxes.get(l.tax1);
      const t2 = taxes.get(l.tax2);
      return {
        creditid: c.id,
        taskno: l.id,
        name: l.name,
        description: l.desc,
        qty: qtyString(l.qh),
        unit_cost: money(l.unit, c.cur),
        amount: money(lineCents(l.qh, l.unit), c.cur),
        taxName1: t1?.name ?? null,
        taxAmount1: t1?.pct ?? '0',
        taxName2: t2?.name ?? null,
        taxAmount2: t2?.pct ?? '0',
        compounded_tax: false,
      };
    });
  }
  return c.extra ? Object.assign(body, c.extra) : body;
}
