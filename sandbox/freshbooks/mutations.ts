/**
 * Create and update records from API-shaped fields (what a test or the demo sends to the control API).
 * Fields the compact model understands update it; anything else is kept verbatim in `extra` and rendered
 * back, so a test can set `notes` or any odd field without the sandbox knowing it.
 *
 * Side effects FreshBooks has and the sandbox reproduces: a payment settles its invoice (paid, outstanding,
 * status) and touches it; changing an invoice's lines re-settles it.
 */
import type { CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { dateToDay } from './clock';
import { SandboxError } from './errors';
import { percentMilli, settleInvoice } from './doc-arithmetic';
import { nextDocumentNumber } from './numbering';
import type {
  AccountData,
  AccountRec,
  BillLineRec,
  BillPaymentRec,
  BillRec,
  CategoryRec,
  ClientRec,
  ExpenseRec,
  InvoiceLineRec,
  InvoiceRec,
  ItemRec,
  PaymentRec,
  RecByEntity,
  VendorRec,
  VisState,
} from './model';
import { parseCents, parseQtyHundredths, type TaxTable } from './money';

type Fields = Record<string, unknown>;

export interface MutationContext {
  account: AccountData;
  taxes: TaxTable;
  /** Naive "now" in Eastern and UTC (see clock.ts). */
  eastNow: number;
  utcNow: number;
  /** Records other than the target that the change touched (invoice settled by a payment). */
  touched: Array<{ entity: FreshBooksEntity; id: number }>;
}

/** Fields the sandbox computes; setting them is ignored rather than stored as an override. */
const DERIVED = new Set([
  'id', 'updated', 'updated_at', 'created_at', 'vis_state', 'accounting_systemid', 'accountid', 'outstanding', 'paid',
  'total_amount', 'tax_amount', 'v3_status', 'display_status', 'payment_status', 'due_date', 'userid', 'itemid',
  'expenseid', 'logid', 'invoiceid', 'vendorid', 'categoryid', 'sub_accounts', 'signup_date', 'vendor',
]);

const DAY = 86_400;

function bad(field: string, message: string, value?: unknown): never {
  throw new SandboxError(422, 1004, message, field, undefined, value === undefined ? undefined : String(value));
}

function str(f: Fields, key: string): string | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  if (v === null) return '';
  if (typeof v !== 'string' && typeof v !== 'number') bad(key, `${key} must be a string`, v);
  return String(v);
}

function int(f: Fields, key: string): number | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) bad(key, `${key} must be an integer`, v);
  return n;
}

function cents(f: Fields, key: string): number | undefined {
  if (f[key] === undefined) return undefined;
  const c = parseCents(f[key]);
  if (c === undefined) bad(key, `${key} must be money`, JSON.stringify(f[key]));
  return c;
}

function moneyCode(f: Fields, key: string): string | undefined {
  const v = f[key];
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string' ? (v as { code: string }).code : undefined;
}

function day(f: Fields, key: string): number | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  const d = typeof v === 'string' ? dateToDay(v) : undefined;
  if (d === undefined) bad(key, `${key} must be YYYY-MM-DD`, v);
  return d;
}

function taxIndex(taxes: TaxTable, name: unknown, pct: unknown): number {
  if (name === undefined || name === null || name === '') return -1;
  const p = typeof pct === 'number' ? String(pct) : typeof pct === 'string' ? pct : '0';
  if (!/^\d+(\.\d+)?$/.test(p)) throw new SandboxError(422, 1018, 'Tax percent must be a decimal string.', 'taxAmount1', undefined, p);
  if (Number(p) === 0) return -1;
  return taxes.indexOf(String(name), p);
}

function keepExtras(rec: { extra?: Fields }, f: Fields, known: ReadonlySet<string>): void {
  for (const [k, v] of Object.entries(f)) {
    if (known.has(k) || DERIVED.has(k)) continue;
    rec.extra = rec.extra ?? {};
    rec.extra[k] = v;
  }
}

function requireRecord<E extends FreshBooksEntity>(ctx: MutationContext, entity: E, id: number | undefined, field: string): RecByEntity[E] {
  const rec = id === undefined ? undefined : (ctx.account.tables[entity].get(id) as RecByEntity[E] | undefined);
  if (!rec) throw new SandboxError(422, 1012, `${field} does not refer to an existing record.`, field, entity, String(id));
  return rec;
}

// ---- per-entity field handling -------------------------------------------------------------------------

const CLIENT_FIELDS = new Set(['fname', 'lname', 'organization', 'email', 'currency_code']);
function patchClient(c: ClientRec, f: Fields): void {
  c.fname = str(f, 'fname') ?? c.fname;
  c.lname = str(f, 'lname') ?? c.lname;
  c.org = str(f, 'organization') ?? c.org;
  c.email = str(f, 'email') ?? c.email;
  c.cur = str(f, 'currency_code') ?? c.cur;
  keepExtras(c, f, CLIENT_FIELDS);
}

const ITEM_FIELDS = new Set(['name', 'description', 'qty', 'unit_cost', 'sku']);
function patchItem(i: ItemRec, f: Fields): void {
  i.name = str(f, 'name') ?? i.name;
  i.desc = str(f, 'description') ?? i.desc;
  i.qty = int(f, 'qty') ?? i.qty;
  i.unit = cents(f, 'unit_cost') ?? i.unit;
  i.cur = moneyCode(f, 'unit_cost') ?? i.cur;
  i.sku = str(f, 'sku') ?? i.sku;
  keepExtras(i, f, ITEM_FIELDS);
}

const CATEGORY_FIELDS = new Set(['category', 'parentid', 'is_cogs', 'is_editable']);
function patchCategory(c: CategoryRec, f: Fields): void {
  c.name = str(f, 'category') ?? c.name;
  if (f.parentid !== undefined) c.parent = f.parentid === null ? 0 : int(f, 'parentid')!;
  if (typeof f.is_cogs === 'boolean') c.cogs = f.is_cogs;
  if (typeof f.is_editable === 'boolean') c.editable = f.is_editable;
  keepExtras(c, f, CATEGORY_FIELDS);
}

const ACCOUNT_FIELDS = new Set(['account_name', 'account_number', 'account_type', 'balance', 'currency_code']);
function patchAccount(a: AccountRec, f: Fields): void {
  a.name = str(f, 'account_name') ?? a.name;
  a.number = str(f, 'account_number') ?? a.number;
  a.type = str(f, 'account_type') ?? a.type;
  a.balance = cents(f, 'balance') ?? a.balance;
  a.cur = str(f, 'currency_code') ?? a.cur;
  keepExtras(a, f, ACCOUNT_FIELDS);
}

const VENDOR_FIELDS = new Set(['vendor_name', 'primary_contact_first_name', 'primary_contact_last_name', 'primary_contact_email', 'currency_code', 'is_1099']);
function patchVendor(v: VendorRec, f: Fields): void {
  v.name = str(f, 'vendor_name') ?? v.name;
  v.first = str(f, 'primary_contact_first_name') ?? v.first;
  v.last = str(f, 'primary_contact_last_name') ?? v.last;
  v.email = str(f, 'primary_contact_email') ?? v.email;
  v.cur = str(f, 'currency_code') ?? v.cur;
  if (typeof f.is_1099 === 'boolean') v.is1099 = f.is_1099;
  keepExtras(v, f, VENDOR_FIELDS);
}

const EXPENSE_FIELDS = new Set(['categoryid', 'staffid', 'clientid', 'vendor', 'date', 'amount', 'currency_code', 'taxName1', 'taxPercent1', 'taxAmount1', 'status', 'notes']);
function patchExpense(e: ExpenseRec, f: Fields, ctx: MutationContext): void {
  if (f.categoryid !== undefined) e.cat = requireRecord(ctx, 'expense_categories', int(f, 'categoryid'), 'categoryid').id;
  e.staff = int(f, 'staffid') ?? e.staff;
  if (f.clientid !== undefined) e.client = int(f, 'clientid') === 0 ? 0 : requireRecord(ctx, 'clients', int(f, 'clientid'), 'clientid').id;
  e.vendor = str(f, 'vendor') ?? e.vendor;
  e.day = day(f, 'date') ?? e.day;
  e.cents = cents(f, 'amount') ?? e.cents;
  e.cur = str(f, 'currency_code') ?? moneyCode(f, 'amount') ?? e.cur;
  if (f.taxName1 !== undefined || f.taxPercent1 !== undefined) e.tax1 = taxIndex(ctx.taxes, f.taxName1, f.taxPercent1);
  e.status = int(f, 'status') ?? e.status;
  e.notes = str(f, 'notes') ?? e.notes;
  keepExtras(e, f, EXPENSE_FIELDS);
}

export function parseInvoiceLines(raw: unknown, ctx: MutationContext): InvoiceLineRec[] {
  if (!Array.isArray(raw)) bad('lines', 'lines must be an array');
  return raw.map((l: Fields, idx) => {
    if (typeof l !== 'object' || l === null) bad('lines', 'each line must be an object');
    const qh = l.qty === undefined ? 100 : parseQtyHundredths(l.qty);
    if (qh === undefined) bad('qty', 'qty must be a non-negative number', l.qty);
    const unit = l.unit_cost === undefined ? 0 : parseCents(l.unit_cost);
    if (unit === undefined) bad('unit_cost', 'unit_cost must be money', JSON.stringify(l.unit_cost));
    return {
      id: idx + 1,
      name: typeof l.name === 'string' ? l.name : '',
      desc: typeof l.description === 'string' ? l.description : '',
      qh,
      unit,
      tax1: taxIndex(ctx.taxes, l.taxName1, l.taxAmount1),
      tax2: taxIndex(ctx.taxes, l.taxName2, l.taxAmount2),
    };
  });
}

const INVOICE_FIELDS = new Set(['customerid', 'currency_code', 'status', 'create_date', 'due_offset_days', 'invoice_number', 'po_number', 'notes', 'lines', 'amount', 'discount_value']);
function patchInvoice(inv: InvoiceRec, f: Fields, ctx: MutationContext): void {
  if (f.customerid !== undefined) {
    const client = requireRecord(ctx, 'clients', int(f, 'customerid'), 'customerid');
    inv.client = client.id;
    if (f.currency_code === undefined && inv.lines.length === 0) inv.cur = client.cur;
  }
  inv.cur = str(f, 'currency_code') ?? inv.cur;
  if (f.status !== undefined) {
    const s = int(f, 'status')!;
    if (s < 0 || s > 8) bad('status', 'status must be 0–8', s);
    inv.status = s;
  }
  inv.day = day(f, 'create_date') ?? inv.day;
  inv.dueOff = int(f, 'due_offset_days') ?? inv.dueOff;
  // An empty/absent number keeps the one blankRecord assigned ("previous number plus one", §3.1).
  // [unverified] The reference says nothing about duplicate invoice numbers, so a given number is accepted
  // as is, even when another invoice already has it.
  const num = str(f, 'invoice_number');
  if (num !== undefined && num !== '') inv.num = num;
  if (f.po_number !== undefined) inv.po = f.po_number === null ? null : str(f, 'po_number')!;
  inv.notes = str(f, 'notes') ?? inv.notes;
  if (f.lines !== undefined) inv.lines = parseInvoiceLines(f.lines, ctx);
  if (f.discount_value !== undefined) {
    const d = f.discount_value === null ? '0' : typeof f.discount_value === 'number' ? String(f.discount_value) : f.discount_value;
    // Percents must be decimal strings (§6 errno 1018); numbers are accepted like taxAmount1 is.
    if (typeof d !== 'string' || percentMilli(d) === undefined || percentMilli(d)! > 100_000) {
      throw new SandboxError(422, 1018, 'discount_value must be a decimal percent string.', 'discount_value', 'invoice', String(f.discount_value));
    }
    if (percentMilli(d) === 0) delete inv.discount;
    else inv.discount = d.trim();
  }
  keepExtras(inv, f, INVOICE_FIELDS);
  if (inv.status !== 1) settleInvoice(inv, livePaymentsOf(ctx.account, inv.id), ctx.taxes);
}

const PAYMENT_FIELDS = new Set(['invoiceid', 'amount', 'date', 'type', 'note', 'clientid']);
function patchPayment(p: PaymentRec, f: Fields, ctx: MutationContext): void {
  if (f.invoiceid !== undefined) {
    const inv = requireRecord(ctx, 'invoices', int(f, 'invoiceid'), 'invoiceid');
    p.inv = inv.id;
    p.client = inv.client;
    p.cur = inv.cur;
  }
  p.cents = cents(f, 'amount') ?? p.cents;
  p.day = day(f, 'date') ?? p.day;
  p.type = str(f, 'type') ?? p.type;
  p.note = str(f, 'note') ?? p.note;
  keepExtras(p, f, PAYMENT_FIELDS);
}

function parseBillLines(raw: unknown, ctx: MutationContext): BillLineRec[] {
  if (!Array.isArray(raw)) bad('lines', 'lines must be an array');
  return raw.map((l: Fields) => {
    const qty = l.quantity === undefined ? 1 : Number(l.quantity);
    if (!Number.isInteger(qty) || qty < 0) bad('quantity', 'quantity must be a whole number', l.quantity);
    const unit = parseCents(l.unit_cost);
    if (unit === undefined) bad('unit_cost', 'unit_cost must be money', JSON.stringify(l.unit_cost));
    const cat = requireRecord(ctx, 'expense_categories', Number(l.categoryid), 'categoryid').id;
    return { cat, desc: typeof l.description === 'string' ? l.description : '', qty, unit, tax1: taxIndex(ctx.taxes, l.tax_name1, l.tax_percent1) };
  });
}

function parseBillPayments(raw: unknown, ctx: MutationContext): BillPaymentRec[] {
  if (!Array.isArray(raw)) bad('bill_payments', 'bill_payments must be an array');
  return raw.map((p: Fields) => {
    const c = parseCents(p.amount);
    if (c === undefined) bad('amount', 'amount must be money', JSON.stringify(p.amount));
    const d = typeof p.paid_date === 'string' ? dateToDay(p.paid_date) : Math.floor(ctx.eastNow / DAY);
    if (d === undefined) bad('paid_date', 'paid_date must be YYYY-MM-DD', p.paid_date);
    const vis: VisState = p.vis_state === 1 ? 1 : 0;
    return { id: ctx.account.nextBillPaymentId++, cents: c, day: d, type: typeof p.payment_type === 'string' ? p.payment_type : 'Check', vis };
  });
}

const BILL_FIELDS = new Set(['vendorid', 'bill_number', 'issue_date', 'due_offset_days', 'currency_code', 'lines', 'bill_payments']);
function patchBill(b: BillRec, f: Fields, ctx: MutationContext): void {
  if (f.vendorid !== undefined) {
    const v = requireRecord(ctx, 'bill_vendors', int(f, 'vendorid'), 'vendorid');
    b.vendor = v.id;
    if (f.currency_code === undefined && b.lines.length === 0) b.cur = v.cur;
  }
  b.num = str(f, 'bill_number') ?? b.num;
  b.day = day(f, 'issue_date') ?? b.day;
  b.dueOff = int(f, 'due_offset_days') ?? b.dueOff;
  b.cur = str(f, 'currency_code') ?? b.cur;
  if (f.lines !== undefined) b.lines = parseBillLines(f.lines, ctx);
  if (f.bill_payments !== undefined) b.payments = parseBillPayments(f.bill_payments, ctx);
  keepExtras(b, f, BILL_FIELDS);
}

export function livePaymentsOf(account: AccountData, invoiceId: number): PaymentRec[] {
  return account.tables.payments.rows.filter((p) => p.inv === invoiceId && p.vis !== 1);
}

/** Re-settle an invoice after one of its payments changed, and stamp it as FreshBooks would. */
export function resettleInvoice(ctx: MutationContext, invoiceId: number): void {
  const inv = ctx.account.tables.invoices.get(invoiceId);
  if (!inv) return;
  settleInvoice(inv, livePaymentsOf(ctx.account, inv.id), ctx.taxes);
  inv.upd = ctx.eastNow;
  ctx.account.tables.invoices.touch();
  ctx.touched.push({ entity: 'invoices', id: inv.id });
}

// ---- entry points ----------------------------------------------------------------------------------------

export function applyPatch<E extends FreshBooksEntity>(entity: E, rec: RecByEntity[E], f: Fields, ctx: MutationContext): void {
  switch (entity) {
    case 'clients':
      return patchClient(rec as ClientRec, f);
    case 'items':
      return patchItem(rec as ItemRec, f);
    case 'expense_categories':
      return patchCategory(rec as CategoryRec, f);
    case 'accounts':
      return patchAccount(rec as AccountRec, f);
    case 'bill_vendors':
      return patchVendor(rec as VendorRec, f);
    case 'expenses':
      return patchExpense(rec as ExpenseRec, f, ctx);
    case 'invoices':
      return patchInvoice(rec as InvoiceRec, f, ctx);
    case 'payments': {
      const p = rec as PaymentRec;
      const before = p.inv;
      patchPayment(p, f, ctx);
      if (before && before !== p.inv) resettleInvoice(ctx, before);
      if (p.inv) resettleInvoice(ctx, p.inv);
      return;
    }
    case 'bills':
      return patchBill(rec as BillRec, f, ctx);
  }
}

/**
 * The number a create without `invoice_number` gets: the previous invoice's number plus one, keeping its zero
 * padding (§3.1). "Previous" = the most recently created invoice, whatever its vis_state [unverified: whether
 * FreshBooks skips deleted invoices is undocumented]. An empty account starts at 0000001 (the seed's format).
 */
export function nextInvoiceNumber(account: AccountData): string {
  const rows = account.tables.invoices.rows;
  return nextDocumentNumber(rows[rows.length - 1]?.num);
}

/** A blank record of `entity` with id `id`, ready for applyPatch; required fields are checked by the caller. */
export function blankRecord<E extends FreshBooksEntity>(entity: E, id: number, ctx: MutationContext): RecByEntity[E] {
  const { account, eastNow, utcNow } = ctx;
  const base = account.business.baseCurrency;
  const today = Math.floor(eastNow / DAY);
  const blank: { [K in FreshBooksEntity]: () => RecByEntity[K] } = {
    clients: () => ({ id, vis: 0, upd: eastNow, fname: '', lname: '', org: '', email: '', cur: base, place: account.business.place, signup: utcNow }),
    items: () => ({ id, vis: 0, upd: eastNow, name: '', desc: '', qty: 0, unit: 0, cur: base, sku: '', tax1: -1 }),
    expense_categories: () => ({ id, vis: 0, upd: eastNow, name: '', parent: 0, cogs: false, editable: true, created: eastNow }),
    accounts: () => ({ id, vis: 0, upd: 0, name: '', number: '', type: 'expense', balance: 0, cur: base, created: eastNow, subs: [] }),
    bill_vendors: () => ({ id, vis: 0, upd: utcNow, created: utcNow, name: '', first: '', last: '', email: '', cur: base, is1099: false, place: account.business.place }),
    expenses: () => ({ id, vis: 0, upd: eastNow, cat: account.tables.expense_categories.firstId, staff: account.business.staffId, client: 0, vendor: '', day: today, cents: 0, cur: base, tax1: -1, status: 0, notes: '' }),
    invoices: () => ({
      id, vis: 0, upd: eastNow, created: eastNow, client: 0, num: nextInvoiceNumber(account),
      day: today, dueOff: 30, cur: base, status: 1, paid: 0, datePaid: -1, po: null, notes: '', lines: [],
    }),
    payments: () => ({ id, vis: 0, upd: eastNow, inv: 0, client: 0, cents: 0, cur: base, day: today, type: 'Check', note: '' }),
    bills: () => ({ id, vis: 0, upd: utcNow, created: utcNow, vendor: 0, num: `B-${String(account.tables.bills.rows.length + 1).padStart(5, '0')}`, day: today, dueOff: 30, cur: base, lines: [], payments: [] }),
  };
  return blank[entity]();
}

/** What a create must carry, mirroring FreshBooks' required fields (expenses: §3 "create needs…"). */
export const REQUIRED_ON_CREATE: Partial<Record<FreshBooksEntity, string[]>> = {
  invoices: ['customerid'],
  payments: ['invoiceid', 'amount'],
  expenses: ['categoryid', 'amount', 'date'],
  bills: ['vendorid'],
  bill_vendors: ['vendor_name'],
  items: ['name'],
  expense_categories: ['category'],
  accounts: ['account_name'],
};
