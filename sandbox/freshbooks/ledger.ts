/**
 * The records the connector reads besides the core nine: general-ledger lines (journal entry details), other
 * income, and the time-tracking side (services, projects, time entries). Shapes follow the official SDKs
 * (NODE JournalEntryDetail / OtherIncome / Service tests, PY list_projects / list_time_entries fixtures):
 * - ledger lines: `id` = `detailid`, nested `account{}`, `sub_account{}`, `entry{}`, `debit{}`/`credit{}` Money
 *   or null, running `balance{}`, `user_entered_date`; no modified time, no vis_state;
 * - other income: id `incomeid`, `amount{}`, `created_at`/`updated_at` Eastern wall time, `vis_state`;
 * - projects: ISO UTC `created_at`/`updated_at` without `Z`; time entries: ISO UTC with `Z` and no `updated_at`
 *   (the fixture shows none); services: `business_id`, `vis_state`, no timestamps.
 *
 * The ledger is consistent by construction: every entry's debits equal its credits in its one currency. It is
 * posted from the account's documents (sent invoices, live payments, expenses, credit notes, other income) plus a
 * few manual entries, once, on first read (so a 100k-invoice account pays for it only if a test reads it);
 * documents changed after that are not re-posted [sandbox simplification].
 *
 * Seeding uses its own PRNG stream per account, so the core nine entities stay exactly as before.
 */
import { formatWall, toNaiveSec } from './clock';
import { invoiceTotals, linesTotals } from './doc-arithmetic';
import type { AccountData, AccountRec, VisState } from './model';
import { centsToString, money, type TaxTable } from './money';
import { Prng } from './prng';
import { SERVICES } from './seed-data';
import type { CreditNoteRec } from './credit-notes';

type Json = Record<string, unknown>;

export type LedgerEntity = 'journal_entry_details' | 'other_incomes' | 'projects' | 'services' | 'time_entries';
export const LEDGER_ENTITIES: readonly LedgerEntity[] = ['journal_entry_details', 'other_incomes', 'projects', 'services', 'time_entries'];

export interface ServiceRec {
  id: number;
  name: string;
  billable: boolean;
  vis: VisState;
  /** Internal modification time, naive UTC seconds (FreshBooks shows none). */
  upd: number;
}

export interface ProjectRec {
  id: number;
  title: string;
  desc: string | null;
  client: number | null;
  billing: 'project_rate' | 'service_rate' | 'team_member_rate' | 'business_rate';
  type: 'fixed_price' | 'hourly_rate';
  /** Cents, in the business currency. */
  fixed: number | null;
  rate: number | null;
  budget: number | null;
  active: boolean;
  complete: boolean;
  services: number[];
  /** Naive UTC seconds. */
  created: number;
  upd: number;
}

export interface TimeEntryRec {
  id: number;
  project: number | null;
  client: number | null;
  service: number | null;
  /** Naive UTC seconds. */
  started: number;
  created: number;
  upd: number;
  /** Seconds. */
  duration: number;
  note: string;
  billable: boolean;
  billed: boolean;
}

export interface OtherIncomeRec {
  id: number;
  vis: VisState;
  cents: number;
  cur: string;
  category: string;
  source: string;
  paymentType: string;
  note: string;
  /** Day number of `date`; created/upd naive Eastern seconds. */
  day: number;
  created: number;
  upd: number;
  taxes: { name: string; amount: string }[];
}

type EntryRef = 'clientid' | 'invoiceid' | 'paymentid' | 'expenseid' | 'creditid' | 'incomeid' | 'categoryid';

export interface JournalLineRec {
  id: number;
  entry: number;
  name: string;
  desc: string;
  type: string;
  day: number;
  account: number;
  sub: number | null;
  debit: number | null;
  credit: number | null;
  cur: string;
  /** Running balance of the (sub-)account in this currency after this line, debit-positive. */
  balance: number;
  refs: Partial<Record<EntryRef, number>>;
}

export interface LedgerData {
  services: ServiceRec[];
  projects: ProjectRec[];
  timeEntries: TimeEntryRec[];
  otherIncomes: OtherIncomeRec[];
  /** Posted on first read. */
  journal?: JournalLineRec[];
  next: { service: number; project: number; timeEntry: number; otherIncome: number };
}

export const LEDGER_FIRST_IDS = { service: 218001, project: 654001, timeEntry: 419001, otherIncome: 12001, detail: 1928001, entry: 5555001 } as const;

const DAY = 86_400;
const INCOME_CATEGORIES = ['online_sales', 'advertising', 'rental_income', 'interest_income', 'other'] as const;
const INCOME_SOURCES = ['Etsy', 'Shopify', 'Stripe', 'Bank interest', 'Sublet', 'Workshop tickets'] as const;
const NOTES = ['Design review', 'Client call', 'Wireframes', 'Bug fixing', 'Deployment', 'Copy edits', 'Planning'] as const;

/** 32-bit FNV-1a of the account id, mixed with the sandbox seed: one independent stream per account. */
function streamSeed(seed: number, accountId: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of `ledger:${accountId}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Services, projects, time entries and other income of one account, seeded deterministically. */
export function seedLedger(account: AccountData, seed: number, anchorMs: number): LedgerData {
  const rng = new Prng(streamSeed(seed, account.business.accountId));
  const utcNow = toNaiveSec(anchorMs, 'UTC');
  const eastNow = toNaiveSec(anchorMs, 'America/New_York');
  const clients = account.tables.clients.rows.filter((c) => c.vis !== 1);
  const data: LedgerData = {
    services: [], projects: [], timeEntries: [], otherIncomes: [],
    next: { service: LEDGER_FIRST_IDS.service, project: LEDGER_FIRST_IDS.project, timeEntry: LEDGER_FIRST_IDS.timeEntry, otherIncome: LEDGER_FIRST_IDS.otherIncome },
  };

  // Services: the agency's service lines; one retired (vis_state 1), which FreshBooks keeps listing with its flag.
  for (let i = 0; i < 6; i++) {
    data.services.push({ id: data.next.service++, name: SERVICES[i % SERVICES.length]!.name, billable: i !== 5, vis: i === 4 ? 1 : 0, upd: utcNow - rng.int(30, 400) * DAY });
  }
  const liveServices = data.services.filter((s) => s.vis === 0).map((s) => s.id);

  const projectCount = Math.max(3, Math.round(clients.length / 4));
  for (let i = 0; i < projectCount; i++) {
    const internal = i === 0;
    const created = utcNow - rng.int(20, 600) * DAY - rng.int(0, DAY - 1);
    const fixed = rng.chance(0.4);
    data.projects.push({
      id: data.next.project++,
      title: internal ? 'Internal: studio website' : `${rng.pick(['Brand refresh', 'Web app', 'Marketing site', 'Retainer', 'Audit'])} ${i + 1}`,
      desc: rng.chance(0.5) ? 'Scope as agreed in the proposal.' : null,
      client: internal || clients.length === 0 ? null : rng.pick(clients).id,
      billing: fixed ? 'project_rate' : rng.pick(['service_rate', 'business_rate'] as const),
      type: fixed ? 'fixed_price' : 'hourly_rate',
      fixed: fixed ? rng.int(20, 400) * 5000 : null,
      rate: fixed ? null : rng.int(8, 20) * 1000,
      budget: rng.chance(0.5) ? rng.int(10, 200) : null,
      active: true,
      complete: rng.chance(0.2),
      services: liveServices.filter(() => rng.chance(0.6)).slice(0, 3),
      created,
      upd: Math.min(utcNow - 60, created + rng.int(0, 30) * DAY),
    });
  }

  for (const p of data.projects) {
    const n = rng.int(4, 12);
    for (let k = 0; k < n; k++) {
      const started = Math.min(utcNow - 3600, p.created + rng.int(0, 400) * DAY + rng.int(8, 18) * 3600);
      data.timeEntries.push({
        id: data.next.timeEntry++,
        project: p.id,
        client: p.client,
        service: p.services.length > 0 ? rng.pick(p.services) : null,
        started,
        created: started + rng.int(60, 7200),
        upd: started + rng.int(60, 7200),
        duration: rng.int(1, 32) * 900,
        note: rng.pick(NOTES),
        billable: p.client !== null,
        billed: p.client !== null && rng.chance(0.3),
      });
    }
  }
  data.timeEntries.sort((a, b) => a.id - b.id);

  // Other income: mostly in the base currency, a few in a second one.
  const base = account.business.baseCurrency;
  const second = base === 'USD' ? 'CAD' : 'USD';
  const incomeCount = Math.max(6, Math.round(account.tables.invoices.rows.length / 25));
  for (let i = 0; i < incomeCount; i++) {
    const created = eastNow - rng.int(1, 700) * DAY - rng.int(0, DAY - 1);
    const withTax = rng.chance(0.3);
    data.otherIncomes.push({
      id: data.next.otherIncome++,
      vis: rng.chance(0.08) ? 1 : 0,
      cents: rng.int(1000, 250_000),
      cur: i % 4 === 3 ? second : base,
      category: rng.pick(INCOME_CATEGORIES),
      source: rng.pick(INCOME_SOURCES),
      paymentType: rng.pick(['Visa', 'Cash', 'Bank Transfer', 'PayPal']),
      note: rng.chance(0.5) ? 'Paid on receipt' : '',
      day: Math.floor(created / DAY),
      created,
      upd: Math.min(eastNow - 60, created + rng.int(0, 10) * DAY),
      taxes: withTax ? [{ name: 'HST', amount: '13' }] : [],
    });
  }
  return data;
}

// ---- the general ledger ---------------------------------------------------------------------------

interface Posting {
  account: string;
  debit?: number;
  credit?: number;
}

/**
 * Posts the account's documents to the ledger: one entry per sent invoice (AR / sales / tax), live payment
 * (cash / AR), expense (expense / cash), credit note (sales / AR), live other income (cash / other income),
 * plus opening and owner entries. Every entry's debits equal its credits, in its currency.
 */
export function postJournal(account: AccountData, data: LedgerData, creditNotes: readonly CreditNoteRec[], taxes: TaxTable): JournalLineRec[] {
  const byName = new Map(account.tables.accounts.rows.map((a) => [a.name, a]));
  const lines: JournalLineRec[] = [];
  const balances = new Map<string, number>();
  let nextDetail: number = LEDGER_FIRST_IDS.detail;
  let nextEntry: number = LEDGER_FIRST_IDS.entry;

  const post = (name: string, type: string, day: number, cur: string, refs: JournalLineRec['refs'], postings: Posting[]): void => {
    const debits = postings.reduce((s, p) => s + (p.debit ?? 0), 0);
    const credits = postings.reduce((s, p) => s + (p.credit ?? 0), 0);
    if (debits !== credits) throw new Error(`unbalanced sandbox journal entry ${name}: ${debits} vs ${credits}`);
    if (debits === 0) return;
    const entry = nextEntry++;
    for (const p of postings) {
      if (!p.debit && !p.credit) continue;
      const acct: AccountRec | undefined = byName.get(p.account);
      if (!acct) continue;
      const sub = acct.subs[0]?.id ?? null;
      const key = `${acct.id}:${sub ?? ''}:${cur}`;
      const balance = (balances.get(key) ?? 0) + (p.debit ?? 0) - (p.credit ?? 0);
      balances.set(key, balance);
      lines.push({
        id: nextDetail++, entry, name, desc: `${p.account}`, type, day, account: acct.id, sub,
        debit: p.debit ? p.debit : null, credit: p.credit ? p.credit : null, cur, balance, refs,
      });
    }
  };

  const base = account.business.baseCurrency;
  // The day before the first invoice (day 20000 = 2024-10-04 for an account without any).
  const firstDay = account.tables.invoices.rows.reduce((m, i) => Math.min(m, i.day), 20_001) - 1;
  post('Opening balance', 'journal', firstDay, base, {}, [{ account: 'Cash', debit: 2_500_000 }, { account: "Owner's Equity", credit: 2_500_000 }]);

  for (const inv of account.tables.invoices.rows) {
    if (inv.vis === 1 || inv.status === 1) continue;
    const t = invoiceTotals(inv, taxes);
    post(`Invoice ${inv.num}`, 'sales', inv.day, inv.cur, { clientid: inv.client, invoiceid: inv.id }, [
      { account: 'Accounts Receivable', debit: t.total },
      { account: 'Sales', credit: t.total - t.tax },
      { account: 'Sales Tax Payable', credit: t.tax },
    ]);
  }
  for (const p of account.tables.payments.rows) {
    if (p.vis === 1) continue;
    post(`Payment ${p.id}`, 'payment', p.day, p.cur, { clientid: p.client, invoiceid: p.inv, paymentid: p.id }, [
      { account: 'Cash', debit: p.cents },
      { account: 'Accounts Receivable', credit: p.cents },
    ]);
  }
  for (const e of account.tables.expenses.rows) {
    if (e.vis === 1) continue;
    post(`Expense ${e.vendor}`, 'expense', e.day, e.cur, { expenseid: e.id, categoryid: e.cat, ...(e.client ? { clientid: e.client } : {}) }, [
      { account: 'Operating Expenses', debit: e.cents },
      { account: 'Cash', credit: e.cents },
    ]);
  }
  for (const c of creditNotes) {
    if (c.vis === 1) continue;
    const t = linesTotals(c.lines, taxes);
    post(`Credit note ${c.num}`, 'credit', c.day, c.cur, { clientid: c.client, creditid: c.id }, [
      { account: 'Sales', debit: t.total - t.tax },
      { account: 'Sales Tax Payable', debit: t.tax },
      { account: 'Accounts Receivable', credit: t.total },
    ]);
  }
  for (const o of data.otherIncomes) {
    if (o.vis === 1) continue;
    post(`Other income ${o.source}`, 'income', o.day, o.cur, { incomeid: o.id }, [
      { account: 'Cash', debit: o.cents },
      { account: 'Other Income', credit: o.cents },
    ]);
  }
  // A three-line manual entry in a second currency, so per-currency balancing is not trivially two-sided.
  const second = base === 'USD' ? 'EUR' : 'USD';
  post('Owner draw and bank charges', 'journal', firstDay + 30, second, {}, [
    { account: "Owner's Draw", debit: 120_000 },
    { account: 'Bank Charges', debit: 2_550 },
    { account: 'Cash', credit: 122_550 },
  ]);
  return lines;
}

// ---- rendering --------------------------------------------------------------------------------------

const isoNoZ = (utcSec: number) => new Date(utcSec * 1000).toISOString().slice(0, 19);
const isoZ = (utcSec: number) => `${isoNoZ(utcSec)}Z`;
const dayDate = (day: number) => new Date(day * DAY * 1000).toISOString().slice(0, 10);

export function renderJournalLine(l: JournalLineRec, account: AccountData): Json {
  const acct = account.tables.accounts.get(l.account);
  const sub = acct?.subs.find((s) => s.id === l.sub);
  const sysId = account.business.accountId;
  const ref = (k: EntryRef) => l.refs[k] ?? null;
  return {
    id: l.id,
    detailid: l.id,
    accounting_systemid: sysId,
    account: acct ? { account_name: acct.name, account_number: acct.number, account_type: acct.type, accountid: acct.id, accounting_systemid: sysId, id: acct.id } : null,
    sub_account: sub && acct ? { account_sub_name: sub.name, account_sub_number: sub.number, accounting_systemid: sysId, id: sub.id, parentid: acct.id, sub_accountid: sub.id } : null,
    balance: money(l.balance, l.cur),
    debit: l.debit === null ? null : money(l.debit, l.cur),
    credit: l.credit === null ? null : money(l.credit, l.cur),
    description: l.desc,
    detail_type: l.type,
    entry: {
      accounting_systemid: sysId, entryid: l.entry, id: l.entry,
      categoryid: ref('categoryid'), clientid: ref('clientid'), creditid: ref('creditid'), expenseid: ref('expenseid'),
      incomeid: ref('incomeid'), invoiceid: ref('invoiceid'), paymentid: ref('paymentid'),
    },
    name: l.name,
    user_entered_date: dayDate(l.day),
  };
}

export function renderOtherIncome(o: OtherIncomeRec): Json {
  return {
    incomeid: o.id,
    amount: money(o.cents, o.cur),
    category_name: o.category,
    created_at: formatWall(o.created),
    date: dayDate(o.day),
    note: o.note,
    payment_type: o.paymentType,
    source: o.source,
    taxes: o.taxes,
    updated_at: formatWall(o.upd),
    vis_state: o.vis,
  };
}

export function renderService(s: ServiceRec, businessId: number): Json {
  return { business_id: businessId, id: s.id, name: s.name, billable: s.billable, vis_state: s.vis };
}

export function renderProject(p: ProjectRec, data: LedgerData, businessId: number): Json {
  const logged = data.timeEntries.filter((t) => t.project === p.id).reduce((s, t) => s + t.duration, 0);
  const billed = data.timeEntries.filter((t) => t.project === p.id && t.billed).reduce((s, t) => s + Math.round((t.duration / 3600) * (p.rate ?? 0)), 0);
  return {
    id: p.id,
    title: p.title,
    description: p.desc,
    due_date: null,
    client_id: p.client,
    internal: p.client === null,
    budget: p.budget,
    fixed_price: p.fixed === null ? null : centsToString(p.fixed),
    rate: p.rate === null ? null : centsToString(p.rate),
    billing_method: p.billing,
    project_type: p.type,
    project_manager_id: null,
    active: p.active,
    complete: p.complete,
    sample: false,
    created_at: isoNoZ(p.created),
    updated_at: isoNoZ(p.upd),
    logged_duration: logged || null,
    services: p.services.map((id) => data.services.find((s) => s.id === id)).filter((s): s is ServiceRec => !!s).map((s) => renderService(s, businessId)),
    billed_amount: centsToString(billed),
    billed_status: billed > 0 ? 'partial' : 'unbilled',
    retainer_id: null,
    expense_markup: '0',
    group_id: p.id + 110000,
  };
}

export function renderTimeEntry(t: TimeEntryRec, identityId: number): Json {
  return {
    id: t.id,
    identity_id: identityId,
    is_logged: true,
    started_at: isoZ(t.started),
    created_at: isoZ(t.created),
    client_id: t.client,
    project_id: t.project,
    pending_client: null,
    pending_project: null,
    pending_task: null,
    task_id: null,
    service_id: t.service,
    note: t.note,
    active: true,
    billable: t.billable,
    billed: t.billed,
    internal: t.client === null,
    retainer_id: null,
    duration: t.duration,
    timer: null,
  };
}

// ---- ground truth for tests -------------------------------------------------------------------------

export interface LedgerTotals {
  journal_entry_details: { count: number; entries: number; debit: Record<string, string>; credit: Record<string, string> };
  other_incomes: { count: number; amounts: Record<string, string>; byVisState: Record<'0' | '1', number> };
  credit_notes: { count: number; amounts: Record<string, string> };
  projects: { count: number };
  services: { count: number };
  time_entries: { count: number; durationSec: number };
}

function sums(items: Iterable<[string, number]>): Record<string, string> {
  const m = new Map<string, number>();
  for (const [cur, cents] of items) m.set(cur, (m.get(cur) ?? 0) + cents);
  return Object.fromEntries([...m].sort().map(([k, v]) => [k, centsToString(v)]));
}

export function ledgerTotals(journal: readonly JournalLineRec[], data: LedgerData, creditNotes: readonly CreditNoteRec[], taxes: TaxTable): LedgerTotals {
  return {
    journal_entry_details: {
      count: journal.length,
      entries: new Set(journal.map((l) => l.entry)).size,
      debit: sums(journal.filter((l) => l.debit !== null).map((l) => [l.cur, l.debit!])),
      credit: sums(journal.filter((l) => l.credit !== null).map((l) => [l.cur, l.credit!])),
    },
    other_incomes: {
      count: data.otherIncomes.length,
      amounts: sums(data.otherIncomes.map((o) => [o.cur, o.cents])),
      byVisState: { '0': data.otherIncomes.filter((o) => o.vis === 0).length, '1': data.otherIncomes.filter((o) => o.vis === 1).length },
    },
    credit_notes: { count: creditNotes.length, amounts: sums(creditNotes.map((c) => [c.cur, linesTotals(c.lines, taxes).total])) },
    projects: { count: data.projects.length },
    services: { count: data.services.length },
    time_entries: { count: data.timeEntries.length, durationSec: data.timeEntries.reduce((s, t) => s + t.duration, 0) },
  };
}
