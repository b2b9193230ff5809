/**
 * Document arithmetic shared by the seed, the renderers, the control API and the ground-truth totals, so
 * "what an invoice adds up to" has exactly one definition in the sandbox:
 * - line amount = qty × unit cost (pre-tax); each line's taxes are rounded per line;
 * - invoice amount = Σ line amounts − discount + Σ line taxes (the seed generates no discounts; API writes may set one);
 * - bill amount = Σ line amounts, tax_amount = Σ line taxes, total_amount = amount + tax_amount;
 * - paid = Σ live payments; outstanding = total − paid.
 */
import type { BillRec, InvoiceLineRec, InvoiceRec, PaymentRec } from './model';
import { lineCents, taxCents, type TaxTable } from './money';

export interface DocTotals {
  subtotal: number;
  tax: number;
  total: number;
  /** Invoice-level discount (discount_total); 0 when there is none. */
  discount: number;
}

/** Percent string → thousandths of a percent ("12.5" → 12500); undefined when it is not a decimal string. */
export function percentMilli(pct: string | undefined): number | undefined {
  if (pct === undefined || !/^\d+(\.\d+)?$/.test(pct.trim())) return undefined;
  return Math.round(Number(pct.trim()) * 1000);
}

/**
 * Σ lines with per-line taxes, and an optional invoice-level discount percent (`discount_value`, §3.1/§7).
 * [unverified] The reference lists `discount_value` (percent string) and `discount_total{}` but not the
 * arithmetic; the sandbox takes the percent off each line's amount (rounded per line) before tax, so
 * total = subtotal − discount_total + tax on the discounted amounts.
 */
export function linesTotals(lines: readonly InvoiceLineRec[], taxes: TaxTable, discountPct?: string): DocTotals {
  const dMilli = percentMilli(discountPct) ?? 0;
  let subtotal = 0;
  let tax = 0;
  let discount = 0;
  for (const l of lines) {
    const amount = lineCents(l.qh, l.unit);
    const lineDiscount = dMilli ? Math.round((amount * dMilli) / 100_000) : 0;
    const taxable = amount - lineDiscount;
    subtotal += amount;
    discount += lineDiscount;
    tax += taxCents(taxable, taxes.get(l.tax1)) + taxCents(taxable, taxes.get(l.tax2));
  }
  return { subtotal, tax, discount, total: subtotal - discount + tax };
}

export function invoiceTotals(inv: InvoiceRec, taxes: TaxTable): DocTotals {
  return linesTotals(inv.lines, taxes, inv.discount);
}

export function billTotals(bill: BillRec, taxes: TaxTable): DocTotals {
  let subtotal = 0;
  let tax = 0;
  for (const l of bill.lines) {
    const amount = l.qty * l.unit;
    subtotal += amount;
    tax += taxCents(amount, taxes.get(l.tax1));
  }
  return { subtotal, tax, discount: 0, total: subtotal + tax };
}

export function billPaid(bill: BillRec): number {
  let paid = 0;
  for (const p of bill.payments) if (p.vis !== 1) paid += p.cents;
  return paid;
}

/** FreshBooks bill status: paid, partial, overdue, unpaid. */
export function billStatus(bill: BillRec, taxes: TaxTable, todayDay: number): string {
  const { total } = billTotals(bill, taxes);
  const paid = billPaid(bill);
  if (total > 0 && paid >= total) return 'paid';
  if (paid > 0) return 'partial';
  return bill.day + bill.dueOff < todayDay ? 'overdue' : 'unpaid';
}

/**
 * Bring an invoice's paid amount and status in line with its live payments, the way FreshBooks moves an
 * invoice to paid/partial when a payment lands and back to sent when the payment is deleted.
 */
export function settleInvoice(inv: InvoiceRec, livePayments: readonly PaymentRec[], taxes: TaxTable): void {
  const { total } = invoiceTotals(inv, taxes);
  let paid = 0;
  let lastDay = -1;
  for (const p of livePayments) {
    paid += p.cents;
    if (p.day > lastDay) lastDay = p.day;
  }
  inv.paid = paid;
  if (total > 0 && paid >= total) {
    if (inv.status !== 5) inv.status = 4;
    inv.datePaid = lastDay;
  } else if (paid > 0) {
    inv.status = 8;
    inv.datePaid = -1;
  } else {
    if (inv.status === 4 || inv.status === 5 || inv.status === 8) inv.status = 2;
    inv.datePaid = -1;
  }
}

export function invoicePaymentStatus(inv: InvoiceRec, total: number): string {
  if (total > 0 && inv.paid >= total) return inv.status === 5 ? 'auto-paid' : 'paid';
  return inv.paid > 0 ? 'partial' : 'unpaid';
}

const V3_BY_STATUS: Record<number, string> = { 0: 'disputed', 1: 'draft', 4: 'paid', 5: 'autopaid', 6: 'retry', 7: 'failed', 8: 'partial' };

export function invoiceV3Status(inv: InvoiceRec, todayDay: number): string {
  const fixed = V3_BY_STATUS[inv.status];
  if (fixed) return fixed;
  if (inv.day + inv.dueOff < todayDay) return 'overdue';
  return inv.status === 3 ? 'viewed' : 'sent';
}

export function invoiceDisplayStatus(inv: InvoiceRec): string {
  switch (inv.status) {
    case 1:
      return 'draft';
    case 2:
      return 'sent';
    case 3:
    case 4:
    case 5:
      return 'viewed';
    default:
      return 'outstanding';
  }
}
