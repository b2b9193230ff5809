/**
 * A deterministic small-agency FreshBooks account: clients in several currencies, a service catalogue,
 * invoices with 1–5 lines in every status, payments that settle them, expenses, vendors, bills with lines and
 * bill payments, a chart of accounts, and a sprinkling of deleted and archived records. Same seed + same
 * anchor time = same account. Big scales (100k+ invoices) take a second or two and stay compact (model.ts).
 */
import type { CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { FIRST_IDS, newTables, type AccountData, type BillLineRec, type Business, type InvoiceLineRec, type PaymentRec, type VisState } from './model';
import { billTotals, invoiceTotals, settleInvoice } from './doc-arithmetic';
import type { TaxTable } from './money';
import { Prng } from './prng';
import { skipSpringForwardGap, toNaiveSec } from './clock';
import { CATEGORY_TREE, CHART_OF_ACCOUNTS, COMPANY_SUFFIXES, EXPENSE_VENDORS, FIRST_NAMES, LAST_NAMES, LINE_NOTES, PAYMENT_TYPES, PLACES, SERVICES, VENDOR_NAMES } from './seed-data';

export interface SeedCounts {
  clients: number;
  items: number;
  categories: number;
  accounts: number;
  invoices: number;
  /** Payments follow the invoices they settle; this is the rough target used to pick the paid share. */
  payments: number;
  expenses: number;
  vendors: number;
  bills: number;
}

/** A multiplier of the default counts, or explicit counts (missing ones scale with `invoices`). */
export type SeedScale = number | Partial<SeedCounts>;

export const DEFAULT_COUNTS: SeedCounts = {
  clients: 40,
  items: 30,
  categories: 12,
  accounts: 20,
  invoices: 250,
  payments: 180,
  expenses: 150,
  vendors: 25,
  bills: 90,
};

/** Reference data does not grow with volume: a 100k-invoice agency still has ~a dozen expense categories. */
const FIXED: ReadonlySet<keyof SeedCounts> = new Set(['categories', 'accounts']);

export function resolveCounts(scale: SeedScale | undefined): SeedCounts {
  if (scale === undefined) return { ...DEFAULT_COUNTS };
  const factor = typeof scale === 'number' ? scale : scale.invoices !== undefined ? scale.invoices / DEFAULT_COUNTS.invoices : 1;
  const out = {} as SeedCounts;
  for (const key of Object.keys(DEFAULT_COUNTS) as (keyof SeedCounts)[]) {
    const explicit = typeof scale === 'object' ? scale[key] : undefined;
    out[key] = explicit ?? (FIXED.has(key) ? DEFAULT_COUNTS[key] : Math.max(1, Math.round(DEFAULT_COUNTS[key] * factor)));
  }
  return out;
}

export function halfCounts(c: SeedCounts): SeedCounts {
  const out = {} as SeedCounts;
  for (const key of Object.keys(c) as (keyof SeedCounts)[]) out[key] = Math.max(1, Math.round(c[key] / 2));
  return out;
}

const DAY = 86_400;
const SPAN_DAYS = 730;

/** Currencies a client of this business may use, by weight (base currency dominates). */
function currencyMix(base: string): Array<readonly [string, number]> {
  const others = ['USD', 'CAD', 'EUR'].filter((c) => c !== base);
  return [[base, 70], [others[0]!, 20], [others[1]!, 10]];
}

/** Taxes a document in this currency plausibly carries: [tax1, tax2] indexes, -1 for none. */
function taxChoices(taxes: TaxTable): Record<string, Array<readonly [readonly [number, number], number]>> {
  const t = (name: string, pct: string) => taxes.indexOf(name, pct);
  return {
    USD: [[[-1, -1], 70], [[t('NY Sales Tax', '8.875'), -1], 30]],
    CAD: [[[t('HST', '13'), -1], 65], [[t('GST', '5'), -1], 15], [[t('GST', '5'), t('QST', '9.975')], 20]],
    EUR: [[[t('VAT', '20'), -1], 80], [[-1, -1], 20]],
  };
}

function visFor(rng: Prng, deletedShare: number, archivedShare: number): VisState {
  const r = rng.next();
  if (r < deletedShare) return 1;
  if (r < deletedShare + archivedShare) return 2;
  return 0;
}

export interface SeedContext {
  rng: Prng;
  taxes: TaxTable;
  /** Instant the account's history ends at (ms). */
  anchorMs: number;
}

/** Build one business's whole account. */
export function seedAccount(business: Business, counts: SeedCounts, ctx: SeedContext): AccountData {
  const { rng, taxes } = ctx;
  const tables = newTables();
  const account: AccountData = { business, tables, nextBillPaymentId: 8600001 };
  const eastNow = toNaiveSec(ctx.anchorMs, 'America/New_York');
  const utcNow = toNaiveSec(ctx.anchorMs, 'UTC');
  const todayDay = Math.floor(eastNow / DAY);
  const mix = currencyMix(business.baseCurrency);
  const taxMix = taxChoices(taxes);

  /** A wall time in the past two years (naive seconds in the given "now" frame). */
  const pastTime = (now: number, minAgoDays = 0, maxAgoDays = SPAN_DAYS): number =>
    skipSpringForwardGap(now - rng.int(minAgoDays * DAY, maxAgoDays * DAY));
  /** A later modification: usually soon after creation, sometimes much later, never in the future. */
  const laterTime = (created: number, now: number): number => {
    const gap = rng.chance(0.7) ? rng.int(0, 3 * DAY) : rng.int(0, 120 * DAY);
    return skipSpringForwardGap(Math.min(now - rng.int(60, 3600), created + gap));
  };

  // Expense categories: parents first so children can point at them.
  const categoryIds: number[] = [];
  for (let i = 0; i < counts.categories; i++) {
    const def = CATEGORY_TREE[i % CATEGORY_TREE.length]!;
    const created = pastTime(eastNow, SPAN_DAYS, SPAN_DAYS + 30);
    const parentIndex = def.parent === undefined ? -1 : CATEGORY_TREE.findIndex((c) => c.name === def.parent);
    const id = tables.expense_categories.nextId;
    tables.expense_categories.push({
      id,
      vis: 0,
      created,
      upd: rng.chance(0.2) ? laterTime(created, eastNow) : created,
      name: i < CATEGORY_TREE.length ? def.name : `${def.name} ${Math.floor(i / CATEGORY_TREE.length) + 1}`,
      parent: parentIndex >= 0 && parentIndex < i ? FIRST_IDS.expense_categories + parentIndex : 0,
      cogs: def.cogs ?? false,
      editable: def.parent !== undefined,
    });
    categoryIds.push(id);
  }
  const leafCategories = tables.expense_categories.rows.filter((c) => c.parent !== 0).map((c) => c.id);
  const expenseCategories = leafCategories.length > 0 ? leafCategories : categoryIds;

  // Chart of accounts (journal_entry_accounts): no updated, no vis_state in FreshBooks.
  let subId = 1300001;
  for (let i = 0; i < counts.accounts; i++) {
    const def = CHART_OF_ACCOUNTS[i % CHART_OF_ACCOUNTS.length]!;
    const created = pastTime(eastNow, SPAN_DAYS, SPAN_DAYS + 30);
    const subs = def.subs.map((name, j) => ({ id: subId++, name, number: String(j + 1), custom: rng.chance(0.3) }));
    tables.accounts.push({
      id: tables.accounts.nextId,
      vis: 0,
      upd: 0,
      created,
      name: i < CHART_OF_ACCOUNTS.length ? def.name : `${def.name} ${Math.floor(i / CHART_OF_ACCOUNTS.length) + 1}`,
      number: String(Number(def.number) + Math.floor(i / CHART_OF_ACCOUNTS.length) * 10),
      type: def.type,
      balance: def.type === 'equity' ? 0 : rng.int(0, 5_000_000),
      cur: business.baseCurrency,
      subs,
    });
  }

  // Clients.
  for (let i = 0; i < counts.clients; i++) {
    const cur = rng.weighted(mix);
    const placeChoices = PLACES.map((p, idx) => [idx, p.currency === cur ? 10 : 0.2] as const);
    const fname = rng.pick(FIRST_NAMES);
    const lname = rng.pick(LAST_NAMES);
    const org = `${rng.pick(LAST_NAMES)} ${rng.pick(COMPANY_SUFFIXES)}`;
    const created = pastTime(eastNow, SPAN_DAYS, SPAN_DAYS + 200);
    const id = tables.clients.nextId;
    tables.clients.push({
      id,
      vis: visFor(rng, 0.03, 0.07),
      upd: laterTime(created, eastNow),
      fname,
      lname,
      org,
      email: `${fname}.${lname}${i}@${org.split(' ')[0]!.toLowerCase()}.example`.toLowerCase(),
      cur,
      place: rng.weighted(placeChoices),
      // signup_date is UTC: the Eastern creation time plus the 4–5 h offset, roughly; exactness is irrelevant.
      signup: created + 5 * 3600,
    });
  }

  // Items (the service catalogue).
  for (let i = 0; i < counts.items; i++) {
    const svc = SERVICES[i % SERVICES.length]!;
    const created = pastTime(eastNow, SPAN_DAYS, SPAN_DAYS + 200);
    tables.items.push({
      id: tables.items.nextId,
      vis: visFor(rng, 0.03, 0.07),
      upd: laterTime(created, eastNow),
      name: i < SERVICES.length ? svc.name : `${svc.name} (${Math.floor(i / SERVICES.length) + 1})`,
      desc: svc.desc,
      qty: svc.hourly ? 0 : rng.int(0, 50),
      unit: svc.unit + rng.int(0, 4) * 500,
      cur: business.baseCurrency,
      sku: `${svc.sku}-${String(i + 1).padStart(3, '0')}`,
      tax1: -1,
    });
  }

  // Invoices, their lines, and the payments that settle them.
  const clients = tables.clients.rows;
  const items = tables.items.rows;
  // Weight of paid statuses such that payments ≈ counts.payments: paid invoices average 1.2 payments,
  // partial ones (weight 0.1) have one, and the other statuses weigh 0.43 in total.
  const ratio = Math.min(1.1, Math.max(0.25, counts.payments / counts.invoices));
  const paidShare = (0.43 * ratio - 0.1) / (1.2 - ratio);
  const statusMix: Array<readonly [number, number]> = [
    [1, 0.08],
    [2, 0.14],
    [3, 0.1],
    [4, paidShare * 0.9],
    [5, paidShare * 0.1],
    [8, 0.1],
    [7, 0.01],
  ];
  for (let i = 0; i < counts.invoices; i++) {
    const client = rng.pick(clients);
    const cur = client.cur;
    const created = pastTime(eastNow, 0, SPAN_DAYS);
    const lineCount = rng.weighted([[1, 35], [2, 25], [3, 20], [4, 12], [5, 8]] as const);
    const taxPair = rng.weighted(taxMix[cur] ?? taxMix.USD!);
    // Exact-length arrays: push() would reserve 16 slots per array, which adds up at 100k invoices.
    const lines = new Array<InvoiceLineRec>(lineCount);
    for (let l = 0; l < lineCount; l++) {
      const item = rng.pick(items);
      const svc = SERVICES[(item.id - FIRST_IDS.items) % SERVICES.length]!;
      lines[l] = {
        id: l + 1,
        name: item.name,
        desc: rng.pick(LINE_NOTES),
        qh: svc.hourly ? rng.int(2, 80) * 25 : rng.int(1, 3) * 100,
        unit: item.unit,
        ...(rng.chance(0.9) ? { tax1: taxPair[0], tax2: taxPair[1] } : { tax1: -1, tax2: -1 }),
      };
    }
    const id = tables.invoices.nextId;
    const invoice = tables.invoices.push({
      id,
      vis: 0,
      upd: laterTime(created, eastNow),
      created,
      client: client.id,
      num: String(i + 1).padStart(7, '0'),
      day: Math.floor(created / DAY),
      dueOff: rng.pick([0, 15, 30, 30, 30, 45, 60]),
      cur,
      status: rng.weighted(statusMix),
      paid: 0,
      datePaid: -1,
      po: rng.chance(0.25) ? `PO-${rng.int(1000, 99999)}` : null,
      notes: rng.chance(0.3) ? 'Thank you for your business.' : '',
      lines,
    });

    const { total } = invoiceTotals(invoice, taxes);
    const payments: PaymentRec[] = [];
    if (invoice.status === 4 || invoice.status === 5 || invoice.status === 8) {
      const parts = invoice.status === 8 ? 1 : rng.chance(0.8) ? 1 : 2;
      let remaining = invoice.status === 8 ? Math.max(1, Math.round(total * (0.2 + rng.next() * 0.6))) : total;
      let when = created;
      for (let p = 0; p < parts; p++) {
        const cents = p === parts - 1 ? remaining : Math.round(remaining * (0.3 + rng.next() * 0.4));
        remaining -= cents;
        when = Math.max(created, Math.min(eastNow - rng.int(60, 7200), when + rng.int(0, 40 * DAY)));
        when = skipSpringForwardGap(when);
        payments.push(
          tables.payments.push({
            id: tables.payments.nextId,
            vis: 0,
            upd: when,
            inv: id,
            client: client.id,
            cents,
            cur,
            day: Math.floor(when / DAY),
            type: invoice.status === 5 ? 'Credit Card' : rng.weighted(PAYMENT_TYPES),
            note: '',
          }),
        );
      }
      // Recording a payment touches the invoice.
      invoice.upd = Math.max(invoice.upd, when);
      // A few payments were later deleted (FreshBooks reopens the invoice) or archived (still counts).
      for (const p of payments) p.vis = visFor(rng, 0.03, 0.02);
      settleInvoice(invoice, payments.filter((p) => p.vis !== 1), taxes);
    }
    invoice.vis = visFor(rng, 0.04, 0.06);
  }

  // Expenses.
  const taxByCur = (cur: string) => (rng.chance(0.5) ? rng.weighted(taxMix[cur] ?? taxMix.USD!)[0] : -1);
  for (let i = 0; i < counts.expenses; i++) {
    const cur = rng.weighted([[business.baseCurrency, 85], [mix[1]![0], 15]] as const);
    const at = pastTime(eastNow, 0, SPAN_DAYS);
    const rebilled = rng.chance(0.2);
    tables.expenses.push({
      id: tables.expenses.nextId,
      vis: visFor(rng, 0.04, 0.04),
      upd: laterTime(at, eastNow),
      cat: rng.pick(expenseCategories),
      staff: business.staffId,
      client: rebilled ? rng.pick(clients).id : 0,
      vendor: rng.pick(EXPENSE_VENDORS),
      day: Math.floor(at / DAY),
      cents: rng.int(500, 250_000),
      cur,
      tax1: taxByCur(cur),
      status: rebilled ? rng.pick([1, 2, 4]) : 0,
      notes: rng.chance(0.3) ? rng.pick(LINE_NOTES) : '',
    });
  }

  // Bill vendors (UTC timestamps).
  for (let i = 0; i < counts.vendors; i++) {
    const cur = rng.weighted([[business.baseCurrency, 80], [mix[1]![0], 20]] as const);
    const created = pastTime(utcNow, SPAN_DAYS, SPAN_DAYS + 200);
    const name = i < VENDOR_NAMES.length ? VENDOR_NAMES[i]! : `${rng.pick(LAST_NAMES)} ${rng.pick(COMPANY_SUFFIXES)}`;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    tables.bill_vendors.push({
      id: tables.bill_vendors.nextId,
      vis: visFor(rng, 0.04, 0.04),
      upd: laterTime(created, utcNow),
      created,
      name,
      first,
      last,
      email: `${first}.${last}@vendor${i}.example`.toLowerCase(),
      cur,
      is1099: business.baseCurrency === 'USD' && rng.chance(0.2),
      place: rng.int(0, PLACES.length - 1),
    });
  }

  // Bills with lines and bill payments (UTC timestamps).
  const vendors = tables.bill_vendors.rows;
  for (let i = 0; i < counts.bills; i++) {
    const vendor = rng.pick(vendors);
    const cur = vendor.cur;
    const created = pastTime(utcNow, 0, SPAN_DAYS);
    const lineCount = rng.weighted([[1, 45], [2, 30], [3, 15], [4, 10]] as const);
    const tax1 = rng.chance(0.6) ? rng.weighted(taxMix[cur] ?? taxMix.USD!)[0] : -1;
    const lines = new Array<BillLineRec>(lineCount);
    for (let l = 0; l < lineCount; l++) {
      lines[l] = { cat: rng.pick(expenseCategories), desc: rng.pick(LINE_NOTES), qty: rng.int(1, 10), unit: rng.int(10, 900) * 100 + rng.pick([0, 50, 99]), tax1 };
    }
    const bill = tables.bills.push({
      id: tables.bills.nextId,
      vis: visFor(rng, 0.04, 0.05),
      upd: laterTime(created, utcNow),
      created,
      vendor: vendor.id,
      num: `B-${String(i + 1).padStart(5, '0')}`,
      day: Math.floor(created / DAY),
      dueOff: rng.pick([0, 15, 30, 30, 45]),
      cur,
      lines,
      payments: [],
    });
    const shape = rng.weighted([['paid', 45], ['partial', 10], ['open', 45]] as const);
    if (shape !== 'open') {
      const { total } = billTotals(bill, taxes);
      const cents = shape === 'paid' ? total : Math.max(1, Math.round(total * (0.2 + rng.next() * 0.5)));
      const day = Math.min(todayDay, bill.day + rng.int(0, 40));
      bill.payments = [{ id: account.nextBillPaymentId++, cents, day, type: rng.weighted(PAYMENT_TYPES), vis: 0 }];
      bill.upd = Math.max(bill.upd, Math.min(utcNow - 60, (day + 1) * DAY - 1));
    }
  }

  return account;
}

/** Which entities the seed fills, for callers that iterate. */
export const SEEDED_ENTITIES: FreshBooksEntity[] = ['expense_categories', 'accounts', 'clients', 'items', 'invoices', 'payments', 'expenses', 'bill_vendors', 'bills'];
