/**
 * Ground truth for tests and the demo: per entity, how many records exist in each vis_state and what their
 * main amount sums to per currency, computed with the same arithmetic the renderers use (doc-arithmetic.ts). A
 * warehouse that holds the same rows must produce the same numbers to the cent.
 */
import { CORE_FRESHBOOKS_ENTITIES as ALL_FRESHBOOKS_ENTITIES, type CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { billTotals, invoiceTotals } from './doc-arithmetic';
import type { AccountData } from './model';
import { centsToString, lineCents, type TaxTable } from './money';

export interface VisBucket {
  count: number;
  /** Currency → decimal string; absent for entities without a main amount. */
  amounts: Record<string, string>;
}

export interface EntityTotals {
  /** Which field was summed, e.g. "amount", "total_amount", "lines[].amount". */
  amountField: string | null;
  count: number;
  /** All records, whatever their vis_state. */
  amounts: Record<string, string>;
  byVisState: Record<'0' | '1' | '2', VisBucket>;
}

export interface AccountTotals {
  accountId: string;
  businessId: number;
  baseCurrency: string;
  entities: Record<FreshBooksEntity | 'invoice_lines' | 'bill_lines', EntityTotals>;
}

class Tally {
  private count = 0;
  private readonly sums = new Map<string, number>();
  private readonly byVis = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  private readonly countsByVis = [0, 0, 0];

  constructor(private readonly amountField: string | null) {}

  add(vis: number, cur?: string, cents?: number): void {
    this.count++;
    this.countsByVis[vis]!++;
    if (cur === undefined || cents === undefined) return;
    this.sums.set(cur, (this.sums.get(cur) ?? 0) + cents);
    const m = this.byVis[vis]!;
    m.set(cur, (m.get(cur) ?? 0) + cents);
  }

  result(): EntityTotals {
    const asStrings = (m: Map<string, number>) => Object.fromEntries([...m.entries()].sort().map(([k, v]) => [k, centsToString(v)]));
    const bucket = (v: number): VisBucket => ({ count: this.countsByVis[v]!, amounts: asStrings(this.byVis[v]!) });
    return {
      amountField: this.amountField,
      count: this.count,
      amounts: asStrings(this.sums),
      byVisState: { '0': bucket(0), '1': bucket(1), '2': bucket(2) },
    };
  }
}

export function accountTotals(account: AccountData, taxes: TaxTable): AccountTotals {
  const t = account.tables;
  const tallies = {} as Record<FreshBooksEntity | 'invoice_lines' | 'bill_lines', Tally>;
  for (const e of ALL_FRESHBOOKS_ENTITIES) tallies[e] = new Tally(null);
  tallies.invoices = new Tally('amount');
  tallies.payments = new Tally('amount');
  tallies.expenses = new Tally('amount');
  tallies.bills = new Tally('total_amount');
  // Line vis_state is the parent document's.
  tallies.invoice_lines = new Tally('lines[].amount');
  tallies.bill_lines = new Tally('lines[].amount');

  for (const r of t.clients.rows) tallies.clients.add(r.vis);
  for (const r of t.items.rows) tallies.items.add(r.vis);
  for (const r of t.expense_categories.rows) tallies.expense_categories.add(r.vis);
  for (const r of t.accounts.rows) tallies.accounts.add(r.vis);
  for (const r of t.bill_vendors.rows) tallies.bill_vendors.add(r.vis);
  for (const r of t.payments.rows) tallies.payments.add(r.vis, r.cur, r.cents);
  for (const r of t.expenses.rows) tallies.expenses.add(r.vis, r.cur, r.cents);
  for (const inv of t.invoices.rows) {
    tallies.invoices.add(inv.vis, inv.cur, invoiceTotals(inv, taxes).total);
    for (const l of inv.lines) tallies.invoice_lines.add(inv.vis, inv.cur, lineCents(l.qh, l.unit));
  }
  for (const b of t.bills.rows) {
    tallies.bills.add(b.vis, b.cur, billTotals(b, taxes).total);
    for (const l of b.lines) tallies.bill_lines.add(b.vis, b.cur, l.qty * l.unit);
  }

  const entities = {} as AccountTotals['entities'];
  for (const [k, v] of Object.entries(tallies)) entities[k as keyof typeof tallies] = v.result();
  return { accountId: account.business.accountId, businessId: account.business.businessId, baseCurrency: account.business.baseCurrency, entities };
}
