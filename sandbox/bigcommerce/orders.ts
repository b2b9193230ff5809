/**
 * Building orders the way BigCommerce prices them, so every order the sandbox serves adds up:
 *
 *   total_inc_tax = subtotal_inc_tax + shipping_inc + handling_inc + wrapping_inc − discount_amount − coupon_discount
 *   total_ex_tax  = total_inc_tax − total_tax
 *
 * (reference §2, checked there against the doc's order 218). Prices, shipping and discounts are given in the
 * store's pricing basis: inc tax when `is_tax_inclusive_pricing`, ex tax otherwise. The sandbox reports
 * `discount_amount`, `coupon_discount` and `applied_discounts[].amount` inc tax, because that is the only
 * basis in which the documented formula holds for tax-exclusive stores too [infer — unverified against a
 * live tax-exclusive order with discounts]. Manual discounts are spread over lines in proportion to
 * `price_ex_tax` (documented); coupons are spread the same way (assumed).
 */
import { toCents } from './format';
import {
  PAID_STATUSES,
  type Address,
  type AppliedDiscount,
  type Charge,
  type OrderLine,
  type OrderRec,
  type Refund,
  type RefundItem,
  type RefundItemType,
  type RefundPayment,
  type Transaction,
  type TxEvent,
} from './model';

export interface OrderLineSpec {
  /** 0 or absent = custom product (no catalog entry, no variant). */
  productId?: number;
  variantId?: number;
  name: string;
  sku?: string;
  type?: OrderLine['type'];
  /** Unit price in major units, in the store's pricing basis. */
  price: number;
  quantity?: number;
}

/**
 * How the order was paid. `auto` picks from the status: paid statuses (and 4, 12, 13, 14) get a captured
 * purchase, 7 an authorization only, 6 a declined purchase, 5 an authorization then a void, 0 and 1 nothing.
 */
export type PaymentPlan = 'auto' | 'purchase' | 'auth_capture' | 'authorize' | 'declined' | 'void' | 'offline_pending' | 'none';

export interface OrderSpec {
  /** 0 (default) = guest checkout. */
  customerId?: number;
  statusId?: number;
  lines: OrderLineSpec[];
  taxInclusive?: boolean;
  /** Percent, e.g. 8.875; 0 = untaxed. */
  taxRate?: number;
  taxName?: string;
  /** Major units, pricing basis. */
  shipping?: number;
  handling?: number;
  wrapping?: number;
  shippingMethod?: string;
  coupon?: { code: string; amount: number };
  manualDiscount?: number;
  billing?: Partial<Address>;
  /** null = no shipping address (digital-only order). */
  shipTo?: Partial<Address> | null;
  /** Transactional currency (`default_currency_code`); defaults to the store currency. */
  currency?: string;
  /** Display currency (`currency_code`); defaults to the transactional one. */
  displayCurrency?: string;
  displayRate?: number;
  storeToTransactionalRate?: number;
  payment?: PaymentPlan;
  gateway?: 'stripe' | 'braintree' | 'authorizenet' | 'paypalexpress' | 'squarev2';
  /** Tenders in major units: paid with a gift certificate / store credit, the rest by card. */
  giftCertificate?: number;
  storeCredit?: number;
  createdMs?: number;
  channelId?: number;
  orderSource?: string;
  customerMessage?: string;
  staffNotes?: string;
}

export function charge(base: number, rate: number, inclusive: boolean): Charge {
  if (inclusive) {
    const tax = Math.round((base * rate) / (100 + rate));
    return { base, inc: base, tax, ex: base - tax };
  }
  const tax = Math.round((base * rate) / 100);
  return { base, ex: base, tax, inc: base + tax };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Split `amount` over `weights` in whole cents, largest remainder first. */
export function allocate(amount: number, weights: number[]): number[] {
  const total = sum(weights);
  if (total <= 0) return weights.map((_, i) => (i === 0 ? amount : 0));
  const raw = weights.map((w) => (amount * w) / total);
  const out = raw.map(Math.floor);
  let left = amount - sum(out);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left -= 1;
  }
  return out;
}

export type PricedOrder = Pick<OrderRec, 'lines' | 'shipping' | 'handling' | 'wrapping' | 'discount' | 'couponDiscount' | 'subtotal' | 'total'>;

export function priceOrder(spec: OrderSpec, firstLineId: number): PricedOrder {
  const rate = spec.taxRate ?? 0;
  const incl = spec.taxInclusive ?? false;
  const lines: OrderLine[] = spec.lines.map((l, i) => {
    const quantity = l.quantity ?? 1;
    const unitBase = toCents(l.price);
    return {
      id: firstLineId + i,
      productId: l.productId ?? 0,
      variantId: l.productId ? (l.variantId ?? 0) : 0,
      name: l.name,
      sku: l.sku ?? '',
      type: l.type ?? 'physical',
      quantity,
      unit: charge(unitBase, rate, incl),
      total: charge(unitBase * quantity, rate, incl),
      discounts: [],
      quantityRefunded: 0,
    };
  });
  const weights = lines.map((l) => l.total.ex);
  const spread = (amountMajor: number | undefined, id: string, name: string, code: string | null): number => {
    if (!amountMajor) return 0;
    let given = 0;
    allocate(toCents(amountMajor), weights).forEach((part, i) => {
      if (part === 0) return;
      const c = charge(part, rate, incl);
      const d: AppliedDiscount = { id, amount: c.inc, tax: c.tax, name, code, target: 'order' };
      lines[i]!.discounts.push(d);
      given += c.inc;
    });
    return given;
  };
  const discount = spread(spec.manualDiscount, 'manual-discount', 'Manual Discount', null);
  const couponDiscount = spec.coupon ? spread(spec.coupon.amount, 'coupon', `Coupon ${spec.coupon.code}`, spec.coupon.code) : 0;

  const shipping = charge(toCents(spec.shipping ?? 0), rate, incl);
  const handling = charge(toCents(spec.handling ?? 0), rate, incl);
  const wrapping = charge(toCents(spec.wrapping ?? 0), rate, incl);
  const subtotal: Charge = {
    base: sum(lines.map((l) => l.total.base)),
    ex: sum(lines.map((l) => l.total.ex)),
    inc: sum(lines.map((l) => l.total.inc)),
    tax: sum(lines.map((l) => l.total.tax)),
  };
  const discountTax = sum(lines.flatMap((l) => l.discounts.map((d) => d.tax)));
  const inc = subtotal.inc + shipping.inc + handling.inc + wrapping.inc - discount - couponDiscount;
  const tax = subtotal.tax + shipping.tax + handling.tax + wrapping.tax - discountTax;
  return { lines, shipping, handling, wrapping, discount, couponDiscount, subtotal, total: { base: inc, inc, tax, ex: inc - tax } };
}

/** `discounted_total_inc_tax` of a line: its total after every discount, tax included. */
export function discountedInc(line: OrderLine): number {
  return line.total.inc - sum(line.discounts.map((d) => d.amount));
}

export function discountedTax(line: OrderLine): number {
  return line.total.tax - sum(line.discounts.map((d) => d.tax));
}

export function resolvePlan(plan: PaymentPlan | undefined, statusId: number): Exclude<PaymentPlan, 'auto'> {
  if (plan && plan !== 'auto') return plan;
  if (PAID_STATUSES.includes(statusId) || [4, 12, 13, 14].includes(statusId)) return 'purchase';
  if (statusId === 7) return 'authorize';
  if (statusId === 6) return 'declined';
  if (statusId === 5) return 'void';
  return 'none';
}

export function paymentStatusFor(plan: Exclude<PaymentPlan, 'auto'>, statusId: number): string {
  switch (plan) {
    case 'purchase':
    case 'auth_capture':
      return 'captured';
    case 'authorize':
      return 'authorized';
    case 'declined':
      return 'declined';
    case 'void':
      return 'void';
    case 'offline_pending':
      return 'pending';
    case 'none':
      return statusId === 0 ? '' : 'pending';
  }
}

export interface TxFactory {
  nextId(): number;
  gatewayRef(prefix: string): string;
}

export type TxInit = Omit<Transaction, 'id' | 'gatewayTransactionId' | 'test' | 'fraudReview' | 'referenceTransactionId'> &
  Partial<Pick<Transaction, 'gatewayTransactionId' | 'referenceTransactionId'>>;

export function makeTx(f: TxFactory, init: TxInit): Transaction {
  return {
    test: false,
    fraudReview: false,
    referenceTransactionId: null,
    gatewayTransactionId: init.gateway === 'giftcertificate' || init.gateway === 'storecredit' ? '' : f.gatewayRef(init.gateway),
    ...init,
    id: f.nextId(),
  };
}

const CARD_DETAIL = { credit_card: { card_type: 'visa', card_iin: '424242', card_last4: '4242', card_expiry_month: 12, card_expiry_year: 2029 } };

/** The transactions an order gets at checkout under its payment plan. */
export function checkoutTransactions(order: OrderRec, plan: Exclude<PaymentPlan, 'auto'>, gateway: string, f: TxFactory): Transaction[] {
  const base = { orderId: order.id, currency: order.currency, createdMs: order.createdMs + 2_000, status: 'ok' as const };
  const card = (event: TxEvent, amount: number, extra: Partial<TxInit> = {}) =>
    makeTx(f, { ...base, event, method: 'credit_card', amount, gateway, paymentMethodId: `${gateway}.card`, detail: CARD_DETAIL, ...extra });
  const cardAmount = order.total.inc - order.giftCertificateAmount - order.storeCreditAmount;
  const out: Transaction[] = [];
  if (plan === 'none') return out;
  if (plan === 'offline_pending') {
    out.push(makeTx(f, { ...base, event: 'pending', method: 'offline', amount: order.total.inc, gateway: 'bankdeposit', paymentMethodId: 'bankdeposit', detail: { offline: { display_name: 'Bank Deposit' } } }));
    return out;
  }
  if (plan === 'purchase' || plan === 'auth_capture') {
    if (order.giftCertificateAmount > 0) {
      out.push(
        makeTx(f, {
          ...base,
          event: 'purchase',
          method: 'gift_certificate',
          amount: order.giftCertificateAmount,
          gateway: 'giftcertificate',
          paymentMethodId: 'giftcertificate',
          detail: { gift_certificate: { code: `GC-${order.id}-XK2P`, original_balance: order.giftCertificateAmount / 100 + 25, starting_balance: order.giftCertificateAmount / 100 + 25, remaining_balance: 25, status: 'active' } },
        }),
      );
    }
    if (order.storeCreditAmount > 0) {
      out.push(makeTx(f, { ...base, event: 'purchase', method: 'store_credit', amount: order.storeCreditAmount, gateway: 'storecredit', paymentMethodId: 'storecredit', detail: { store_credit: { remaining_balance: 0 } } }));
    }
  }
  if (cardAmount <= 0) return out;
  switch (plan) {
    case 'purchase':
      out.push(card('purchase', cardAmount));
      break;
    case 'auth_capture': {
      const auth = card('authorization', cardAmount);
      out.push(auth, card('capture', cardAmount, { referenceTransactionId: auth.id, createdMs: order.createdMs + 3_600_000 }));
      break;
    }
    case 'authorize':
      out.push(card('authorization', cardAmount));
      break;
    case 'declined':
      out.push(card('purchase', cardAmount, { status: 'error' }));
      break;
    case 'void': {
      const auth = card('authorization', cardAmount);
      out.push(auth, card('void', cardAmount, { referenceTransactionId: auth.id, createdMs: order.createdMs + 86_400_000 }));
      break;
    }
  }
  return out;
}

/** Σ successful purchase/capture amounts: what the invoice gate in the reference counts as paid. */
export function capturedCents(order: OrderRec): number {
  return sum(order.transactions.filter((t) => t.status === 'ok' && (t.event === 'purchase' || t.event === 'capture')).map((t) => t.amount));
}

export function refundedCents(order: OrderRec): number {
  return sum(order.refunds.flatMap((r) => r.payments.filter((p) => !p.isDeclined).map((p) => p.amount)));
}

export interface RefundItemSpec {
  item_type: RefundItemType;
  item_id: number;
  quantity?: number;
  /** Major units, for SHIPPING, HANDLING and ORDER items. */
  amount?: number;
}

export interface RefundSpec {
  /** Absent = refund everything still refundable. */
  items?: RefundItemSpec[];
  reason?: string;
  /** Refunded outside the gateway (cash, cheque): no refund transaction. */
  offline?: boolean;
  /** The gateway declines the refund: the record exists with `is_declined:true`, nothing is refunded. */
  declined?: boolean;
  userId?: number;
  createdMs?: number;
}

/** Thrown for refunds BigCommerce would refuse (422). */
export class RefundError extends Error {}

function chargeRefunded(order: OrderRec, type: RefundItemType): number {
  return sum(order.refunds.flatMap((r) => r.items.filter((i) => i.item_type === type).map((i) => i.requestedCents ?? 0)));
}

/** Validates a refund request against the order and prices it: items with amounts, total and tax. */
export function priceRefund(order: OrderRec, spec: RefundSpec): { items: RefundItem[]; total: number; tax: number } {
  const requested: RefundItemSpec[] = spec.items ?? defaultRefundItems(order);
  if (requested.length === 0) throw new RefundError('Nothing left to refund on this order.');
  const items: RefundItem[] = [];
  let total = 0;
  let tax = 0;
  for (const it of requested) {
    switch (it.item_type) {
      case 'PRODUCT': {
        const line = order.lines.find((l) => l.id === it.item_id);
        if (!line) throw new RefundError(`Order product ${it.item_id} is not on order ${order.id}.`);
        const q = it.quantity ?? 0;
        if (!Number.isInteger(q) || q <= 0 || q > line.quantity - line.quantityRefunded) throw new RefundError('Refund quantity is greater than the remaining quantity.');
        const amount = Math.round((discountedInc(line) * q) / line.quantity);
        items.push({ item_type: 'PRODUCT', item_id: line.id, quantity: q, requestedCents: amount });
        total += amount;
        tax += Math.round((discountedTax(line) * q) / line.quantity);
        break;
      }
      case 'SHIPPING':
      case 'HANDLING': {
        const c = it.item_type === 'SHIPPING' ? order.shipping : order.handling;
        if (!order.shippingAddress || it.item_id !== order.shippingAddress.id) throw new RefundError(`Order address ${it.item_id} is not on order ${order.id}.`);
        const amount = toCents(it.amount ?? 0);
        if (amount <= 0 || amount > c.inc - chargeRefunded(order, it.item_type)) throw new RefundError('Refund amount is greater than remaining amount.');
        items.push({ item_type: it.item_type, item_id: it.item_id, quantity: null, requestedCents: amount });
        total += amount;
        tax += c.inc > 0 ? Math.round((amount * c.tax) / c.inc) : 0;
        break;
      }
      case 'ORDER': {
        if (it.item_id !== order.id) throw new RefundError(`item_id of an ORDER item must be the order id ${order.id}.`);
        const amount = toCents(it.amount ?? 0);
        if (amount <= 0) throw new RefundError('Refund amount must be positive.');
        items.push({ item_type: 'ORDER', item_id: order.id, quantity: null, requestedCents: amount });
        total += amount; // tax-exempt by definition
        break;
      }
      default:
        // GIFT_WRAPPING, FEE and TAX exist in the API; the sandbox keeps wrapping order-level and has no fees.
        throw new RefundError(`item_type ${it.item_type} is not supported by the sandbox.`);
    }
  }
  if (total > capturedCents(order) - refundedCents(order)) throw new RefundError('Refund amount is greater than remaining amount.');
  return { items, total, tax };
}

function defaultRefundItems(order: OrderRec): RefundItemSpec[] {
  const out: RefundItemSpec[] = [];
  for (const l of order.lines) {
    if (l.quantity > l.quantityRefunded) out.push({ item_type: 'PRODUCT', item_id: l.id, quantity: l.quantity - l.quantityRefunded });
  }
  for (const type of ['SHIPPING', 'HANDLING'] as const) {
    const c = type === 'SHIPPING' ? order.shipping : order.handling;
    const left = c.inc - chargeRefunded(order, type);
    if (left > 0 && order.shippingAddress) out.push({ item_type: type, item_id: order.shippingAddress.id, amount: left / 100 });
  }
  const left = order.wrapping.inc - chargeRefunded(order, 'ORDER');
  if (left > 0) out.push({ item_type: 'ORDER', item_id: order.id, amount: left / 100 });
  return out;
}

/** Spreads a refund over the tenders that were captured: card first, then gift certificate, then store credit. */
export function refundPayments(order: OrderRec, total: number, spec: RefundSpec, nextPaymentId: () => number): RefundPayment[] {
  if (spec.offline) return [{ id: nextPaymentId(), providerId: 'custom', amount: total, offline: true, isDeclined: false, declinedMessage: '', transactionId: null }];
  const refundedBy = new Map<string, number>();
  for (const r of order.refunds) for (const p of r.payments) if (!p.isDeclined) refundedBy.set(p.providerId, (refundedBy.get(p.providerId) ?? 0) + p.amount);
  const tenders = new Map<string, number>();
  for (const t of order.transactions) {
    if (t.status !== 'ok' || (t.event !== 'purchase' && t.event !== 'capture')) continue;
    tenders.set(t.gateway, (tenders.get(t.gateway) ?? 0) + t.amount);
  }
  const rank = (g: string) => (g === 'giftcertificate' ? 1 : g === 'storecredit' ? 2 : 0);
  const out: RefundPayment[] = [];
  let left = total;
  for (const [gateway, captured] of [...tenders].sort((a, b) => rank(a[0]) - rank(b[0]))) {
    const room = captured - (refundedBy.get(gateway) ?? 0);
    const amount = Math.min(room, left);
    if (amount <= 0) continue;
    out.push({
      id: nextPaymentId(),
      providerId: gateway,
      amount,
      offline: false,
      isDeclined: spec.declined ?? false,
      declinedMessage: spec.declined ? 'The payment gateway declined the refund.' : '',
      transactionId: null,
    });
    left -= amount;
  }
  return out;
}

export function refundRecord(order: OrderRec, id: number, priced: { items: RefundItem[]; total: number; tax: number }, payments: RefundPayment[], spec: RefundSpec, nowMs: number): Refund {
  return {
    id,
    orderId: order.id,
    userId: spec.userId ?? 0,
    createdMs: spec.createdMs ?? nowMs,
    reason: spec.reason ?? '',
    totalAmount: priced.total,
    totalTax: priced.tax,
    items: priced.items,
    payments,
  };
}
