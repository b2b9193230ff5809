/**
 * How the sandbox stores a FreshBooks account: compact records (ints for money in cents, day numbers,
 * naive-second timestamps, shared strings) rendered into API JSON only when a request asks. A 100k-invoice
 * account then costs tens of MB rather than hundreds.
 *
 * Ids are per account and start at the same numbers in every account on purpose: a warehouse key that
 * forgets account_id collides in the sandbox the way it would in production.
 */
import type { CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';

export type VisState = 0 | 1 | 2;

/** A tax as FreshBooks writes it on documents: name plus percent string; `milli` = percent × 1000 for exact maths. */
export interface Tax {
  name: string;
  pct: string;
  milli: number;
}

export interface BaseRec {
  id: number;
  vis: VisState;
  /** Last-modified wall time in the entity's zone, naive seconds (see clock.ts). 0 when FreshBooks has none. */
  upd: number;
  /** Fields set through the control API that the compact form does not model; merged over the rendering. */
  extra?: Record<string, unknown>;
}

export interface ClientRec extends BaseRec {
  fname: string;
  lname: string;
  org: string;
  email: string;
  cur: string;
  place: number;
  /** signup_date is UTC in FreshBooks (§4), naive UTC seconds. */
  signup: number;
}

export interface ItemRec extends BaseRec {
  name: string;
  desc: string;
  qty: number;
  unit: number;
  cur: string;
  sku: string;
  tax1: number;
}

export interface CategoryRec extends BaseRec {
  name: string;
  parent: number;
  cogs: boolean;
  editable: boolean;
  created: number;
}

export interface SubAccountRec {
  id: number;
  name: string;
  number: string;
  custom: boolean;
}

export interface AccountRec extends BaseRec {
  name: string;
  number: string;
  type: string;
  balance: number;
  cur: string;
  created: number;
  subs: SubAccountRec[];
}

export interface InvoiceLineRec {
  /** lineid: FreshBooks numbers lines within their invoice (1, 2, …), so it is unique only with invoiceid. */
  id: number;
  name: string;
  desc: string;
  /** Quantity in hundredths (150 = "1.5"). */
  qh: number;
  unit: number;
  /** Index into the tax table, or -1. */
  tax1: number;
  tax2: number;
}

export interface InvoiceRec extends BaseRec {
  created: number;
  client: number;
  num: string;
  day: number;
  dueOff: number;
  cur: string;
  status: number;
  paid: number;
  datePaid: number;
  po: string | null;
  notes: string;
  lines: InvoiceLineRec[];
  /** Invoice-level `discount_value` percent string, when one was written (see doc-arithmetic.ts linesTotals). */
  discount?: string;
}

export interface PaymentRec extends BaseRec {
  inv: number;
  client: number;
  cents: number;
  cur: string;
  day: number;
  type: string;
  note: string;
}

export interface ExpenseRec extends BaseRec {
  cat: number;
  staff: number;
  client: number;
  vendor: string;
  day: number;
  /** Total including tax; taxAmount1 is the part of it that is tax. */
  cents: number;
  cur: string;
  tax1: number;
  status: number;
  notes: string;
}

export interface VendorRec extends BaseRec {
  created: number;
  name: string;
  first: string;
  last: string;
  email: string;
  cur: string;
  is1099: boolean;
  place: number;
}

export interface BillLineRec {
  cat: number;
  desc: string;
  qty: number;
  unit: number;
  tax1: number;
}

export interface BillPaymentRec {
  id: number;
  cents: number;
  day: number;
  type: string;
  vis: VisState;
}

export interface BillRec extends BaseRec {
  created: number;
  vendor: number;
  num: string;
  day: number;
  dueOff: number;
  cur: string;
  lines: BillLineRec[];
  payments: BillPaymentRec[];
}

export interface RecByEntity {
  clients: ClientRec;
  invoices: InvoiceRec;
  payments: PaymentRec;
  expenses: ExpenseRec;
  bills: BillRec;
  bill_vendors: VendorRec;
  items: ItemRec;
  expense_categories: CategoryRec;
  accounts: AccountRec;
}

/**
 * Records of one entity, id ascending. Ids are dense from `firstId`: a record removed outright (the test
 * control's `purge`, standing for an HTTP DELETE) keeps its slot but is no longer served by get or lists.
 */
export class Table<R extends BaseRec> {
  readonly rows: R[] = [];
  private readonly purged = new Set<number>();
  /** Bumped on every change so cached list filters know to rebuild. */
  version = 0;

  constructor(readonly firstId: number) {}

  get nextId(): number {
    return this.firstId + this.rows.length;
  }

  get(id: number): R | undefined {
    if (!Number.isInteger(id) || this.purged.has(id)) return undefined;
    return this.rows[id - this.firstId];
  }

  isPurged(id: number): boolean {
    return this.purged.has(id);
  }

  purge(id: number): void {
    this.purged.add(id);
    this.version++;
  }

  push(rec: R): R {
    if (rec.id !== this.nextId) throw new Error(`table ids must be dense: expected ${this.nextId}, got ${rec.id}`);
    this.rows.push(rec);
    this.version++;
    return rec;
  }

  touch(): void {
    this.version++;
  }
}

export type Tables = { [E in FreshBooksEntity]: Table<RecByEntity[E]> };

export interface Business {
  businessId: number;
  businessUuid: string;
  accountId: string;
  name: string;
  baseCurrency: string;
  /** The owner's staff id, used on expenses. */
  staffId: number;
  place: number;
}

export interface AccountData {
  business: Business;
  tables: Tables;
  /** Bill payment ids are global within the account; the next one to hand out. */
  nextBillPaymentId: number;
}

/** Where the first id of each entity starts (same in every account, see module comment). */
export const FIRST_IDS: Record<FreshBooksEntity, number> = {
  clients: 210001,
  invoices: 3100001,
  payments: 4200001,
  expenses: 5300001,
  bills: 6400001,
  bill_vendors: 7500001,
  items: 810001,
  expense_categories: 9100001,
  accounts: 1200001,
};

export function newTables(): Tables {
  return {
    clients: new Table<ClientRec>(FIRST_IDS.clients),
    invoices: new Table<InvoiceRec>(FIRST_IDS.invoices),
    payments: new Table<PaymentRec>(FIRST_IDS.payments),
    expenses: new Table<ExpenseRec>(FIRST_IDS.expenses),
    bills: new Table<BillRec>(FIRST_IDS.bills),
    bill_vendors: new Table<VendorRec>(FIRST_IDS.bill_vendors),
    items: new Table<ItemRec>(FIRST_IDS.items),
    expense_categories: new Table<CategoryRec>(FIRST_IDS.expense_categories),
    accounts: new Table<AccountRec>(FIRST_IDS.accounts),
  };
}
