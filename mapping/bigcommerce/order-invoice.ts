/**
 * A paid BigCommerce order → the FreshBooks invoice that records it (reference/bigcommerce.md §2, §9).
 * Pure: the caller has matched the client and loads order, products and fees.
 *
 * Which figures are real depends on the store (`is_tax_inclusive_pricing`, §2): the `*_inc_tax` set in a
 * tax-inclusive store, the `*_ex_tax` set otherwise; the other set is BigCommerce's estimate. So:
 * - tax-exclusive: lines at ex-tax prices, discounts, then one "Tax" line of `total_tax`;
 *   BigCommerce's total_inc_tax = total_ex_tax + total_tax, and total_ex_tax is those lines' sum;
 * - tax-inclusive: lines at inc-tax prices and discounts, tax named in the notes, not added again;
 *   total_inc_tax = subtotal_inc + shipping_inc + handling_inc + wrapping_inc + fees − discounts (§2).
 * FreshBooks computes no tax of its own here (no taxName/taxAmount on lines): its percent-per-line
 * rounding would not reproduce BigCommerce's figures. Shipping, handling, wrapping and fees are lines
 * (they are not line items in BigCommerce). Gift certificates and store credit are tenders, recorded as
 * payments, so they do not reduce the invoice. Amounts are in the transactional currency.
 *
 * Unit prices have 4 decimals and FreshBooks 2, so qty × rounded price can miss the line total by
 * fractions of a cent; a "Rounding" line takes up at most half a cent per line. Anything larger means
 * the order's own figures do not add up the way we read them: the order is not invoiced, and the reason
 * is reported for a person.
 */
import { centsToMicros, microsToAmount, roundToCents, toMicros, type Micros } from './money';

type Money = string | number;

export interface BcOrder {
  id: number;
  date_created: string;
  customer_id: number;
  is_tax_inclusive_pricing: boolean;
  subtotal_ex_tax: Money;
  subtotal_inc_tax: Money;
  shipping_cost_ex_tax: Money;
  shipping_cost_inc_tax: Money;
  handling_cost_ex_tax: Money;
  handling_cost_inc_tax: Money;
  wrapping_cost_ex_tax: Money;
  wrapping_cost_inc_tax: Money;
  total_ex_tax: Money;
  total_inc_tax: Money;
  total_tax: Money;
  discount_amount: Money;
  coupon_discount: Money;
  currency_code: string;
  default_currency_code?: string;
  fees?: { id?: number; display_name?: string; name?: string; cost_ex_tax: Money; cost_inc_tax: Money }[];
}

export interface BcOrderProduct {
  id: number;
  product_id: number;
  variant_id?: number | null;
  name: string;
  sku?: string;
  type?: string;
  quantity: number;
  price_ex_tax: Money;
  price_inc_tax: Money;
  total_ex_tax: Money;
  total_inc_tax: Money;
}

export interface BcCoupon {
  code: string;
}

export interface FreshBooksLine {
  type: 0;
  name: string;
  description?: string;
  qty: string;
  unit_cost: { amount: string; code: string };
}

export interface InvoiceDraft {
  invoice_number: string;
  customerid: number;
  create_date: string;
  currency_code: string;
  notes: string;
  lines: FreshBooksLine[];
}

export type InvoicePlan =
  | { ok: true; invoice: InvoiceDraft; total: string; roundingCents: bigint }
  | { ok: false; reason: string };

export function orderToInvoice(order: BcOrder, products: readonly BcOrderProduct[], ctx: { clientId: number; coupons?: readonly BcCoupon[] }): InvoicePlan {
  const inc = order.is_tax_inclusive_pricing;
  const currency = order.default_currency_code || order.currency_code;
  const lines: { name: string; description?: string; qty: number; unit: Micros; exact: Micros }[] = [];
  const pick = (ex: Money, incl: Money) => toMicros(inc ? incl : ex);

  for (const p of products) {
    // Custom products (product_id 0) have no catalogue entry: their own name and SKU carry them.
    const unit = pick(p.price_ex_tax, p.price_inc_tax);
    lines.push({
      name: p.name || p.sku || `Product ${p.product_id}`,
      ...(p.sku ? { description: `SKU ${p.sku}` } : {}),
      qty: p.quantity,
      unit,
      exact: pick(p.total_ex_tax, p.total_inc_tax),
    });
  }
  const charge = (name: string, amount: Micros) => {
    if (amount !== 0n) lines.push({ name, qty: 1, unit: amount, exact: amount });
  };
  charge('Shipping', pick(order.shipping_cost_ex_tax, order.shipping_cost_inc_tax));
  charge('Handling', pick(order.handling_cost_ex_tax, order.handling_cost_inc_tax));
  charge('Gift wrapping', pick(order.wrapping_cost_ex_tax, order.wrapping_cost_inc_tax));
  for (const f of order.fees ?? []) charge(f.display_name || f.name || 'Fee', pick(f.cost_ex_tax, f.cost_inc_tax));
  const codes = (ctx.coupons ?? []).map((c) => c.code).filter(Boolean);
  const [coupon, manual] = discountsOnBasis(order, lines.reduce((sum, l) => sum + l.exact, 0n));
  charge(codes.length ? `Coupon ${codes.join(', ')}` : 'Coupon', -coupon);
  charge('Discount', -manual);
  const tax = toMicros(order.total_tax);
  if (!inc) charge('Tax', tax);

  const total = toMicros(order.total_inc_tax);
  const linesCents = lines.reduce((sum, l) => sum + BigInt(l.qty) * roundToCents(l.unit), 0n);
  const roundingCents = roundToCents(total) - linesCents;
  // Half a cent per line can be lost rounding each unit price; with quantities, per unit sold.
  const tolerance = BigInt(Math.max(1, Math.ceil(lines.reduce((n, l) => n + Math.abs(l.qty), 0) / 2)));
  if (roundingCents > tolerance || roundingCents < -tolerance) {
    return {
      ok: false,
      reason: `order ${order.id}: lines add up to ${microsToAmount(centsToMicros(linesCents))} ${currency}, the order's total_inc_tax is ${microsToAmount(total)}`,
    };
  }
  const out: FreshBooksLine[] = lines.map((l) => ({
    type: 0, name: l.name, ...(l.description ? { description: l.description } : {}), qty: String(l.qty), unit_cost: { amount: microsToAmount(l.unit), code: currency },
  }));
  if (roundingCents !== 0n) out.push({ type: 0, name: 'Rounding', qty: '1', unit_cost: { amount: microsToAmount(centsToMicros(roundingCents)), code: currency } });

  return {
    ok: true,
    total: microsToAmount(total),
    roundingCents,
    invoice: {
      // The order number is the invoice number: looked up before creating, it makes a retry (or a 409
      // on concurrent creates) find the invoice instead of making a second one.
      invoice_number: String(order.id),
      customerid: ctx.clientId,
      create_date: orderDate(order.date_created),
      currency_code: currency,
      notes: `BigCommerce order #${order.id}${inc ? ` (prices include tax: ${microsToAmount(tax)} ${currency})` : ''}`,
      lines: out,
    },
  };
}

/**
 * The coupon and manual discounts on the invoice's basis. Whether BigCommerce reports `coupon_discount`
 * and `discount_amount` with or without tax is not documented (reference §2 gives only the inc-tax
 * identity). In a tax-inclusive store they are taken as reported. In a tax-exclusive store the ex-tax
 * discount is what separates the ex-tax charges from `total_ex_tax`; it is split between coupon and
 * manual discount in proportion to what was reported, and used only when it is no more than the
 * reported amounts (a discount cannot grow by removing tax), otherwise the reported figures stand and
 * the reconciliation below decides.
 */
function discountsOnBasis(order: BcOrder, chargesExact: Micros): [Micros, Micros] {
  const coupon = toMicros(order.coupon_discount);
  const manual = toMicros(order.discount_amount);
  const reported = coupon + manual;
  if (order.is_tax_inclusive_pricing || reported <= 0n) return [coupon, manual];
  const exTax = chargesExact - toMicros(order.total_ex_tax);
  if (exTax < 0n || exTax > reported) return [coupon, manual];
  const couponEx = (exTax * coupon + reported / 2n) / reported;
  return [couponEx, exTax - couponEx];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The order's calendar date where it was placed: v2 dates are RFC-2822 with the store's offset. */
export function orderDate(rfc2822: string): string {
  const m = /(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})/.exec(rfc2822);
  const month = m ? MONTHS.indexOf(m[2]!) : -1;
  if (m && month >= 0) return `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  const t = Date.parse(rfc2822);
  if (Number.isNaN(t)) throw new RangeError(`not an order date: ${rfc2822}`);
  return new Date(t).toISOString().slice(0, 10);
}
