/**
 * The calls that turn one BigCommerce order into FreshBooks records, each safe to repeat: every write
 * is preceded by a look-up on our own key (invoice number = order id, payment transaction id, credit
 * note number), so a retried step finds what an interrupted attempt made. The order workflow runs them
 * one activity each; the benchmark's plain loop runs the very same calls without Temporal.
 */
import type { BigCommerceClient } from '../connectors/bigcommerce';
import { isConflict, type FreshBooksWriter } from '../connectors/freshbooks';
import type { BigCommerceRecordMap } from '../db/bigcommerce-orders';
import {
  capturesToRecord, invoiceDecision, microsToAmount, orderToInvoice, paymentType, REFUNDED_STATUS_IDS, refundsToApply, tenderLabel, toMicros,
  type BcCoupon, type BcOrder, type BcOrderProduct, type BcRefund, type BcTransaction,
} from '../mapping/bigcommerce';
import type { CaptureToRecord, InvoiceRef, OrderReading, RefundToApply } from '../contracts/order';

/** The order's own figures do not add up (or FreshBooks refuses it): a person has to look. */
export class OrderRefusedError extends Error {
  override name = 'OrderRefused';
}

export interface OrderStepsDeps {
  connectionId: string;
  bc: BigCommerceClient;
  fb: FreshBooksWriter;
  map: BigCommerceRecordMap;
}

type Json = Record<string, unknown>;

export class OrderSteps {
  constructor(private readonly d: OrderStepsDeps) {}

  /** Everything BigCommerce says about the order, and whether it is one to invoice. */
  async read(orderId: number): Promise<OrderReading> {
    const order = await this.d.bc.getOrder(orderId);
    if (!order) return skipped(orderId, 'order not found in BigCommerce');
    const statusId = Number(order.status_id);
    const currency = String(order.default_currency_code || order.currency_code || '');
    const total = microsToAmount(toMicros(order.total_inc_tax));
    const base = { orderId, statusId, status: String(order.status ?? ''), currency, total };
    if (order.is_deleted === true) return { ...skipped(orderId, 'order was deleted (archived) in BigCommerce'), ...base };

    const [transactions, refunds] = await Promise.all([this.d.bc.transactions(orderId), this.d.bc.refunds(orderId)]);
    // Refunded orders were paid once: they are invoiced (and their refunds applied) only if an invoice exists.
    const invoiced = REFUNDED_STATUS_IDS.has(statusId) && (await this.d.fb.findInvoiceByNumber(String(orderId))) !== null;
    const decision = invoiceDecision({ status_id: statusId }, transactions as unknown as BcTransaction[], invoiced);
    const refundLines: RefundToApply[] = refundsToApply(refunds as unknown as BcRefund[], currency);
    const refundedWithoutRecord = REFUNDED_STATUS_IDS.has(statusId) && refunds.length === 0;
    if (!decision.invoice) return { ...base, skipReason: decision.reason, captures: [], refunds: [], refundedWithoutRecord };

    const couponDiscount = toMicros(order.coupon_discount);
    const [products, coupons] = await Promise.all([
      this.d.bc.orderProducts(orderId),
      couponDiscount !== 0n ? this.d.bc.orderCoupons(orderId) : Promise.resolve([] as Json[]),
    ]);
    const captures: CaptureToRecord[] = capturesToRecord(transactions as unknown as BcTransaction[], currency);
    return {
      ...base, skipReason: null, captures, refunds: refundLines, refundedWithoutRecord,
      source: { order, products, coupons: coupons.map((c) => ({ code: String(c.code ?? '') })) },
    };
  }

  /** The order's invoice: found by its number, or created as a draft with its client and items matched first. */
  async ensureInvoice(reading: OrderReading): Promise<InvoiceRef> {
    const number = String(reading.orderId);
    const existing = await this.ours(await this.d.fb.findInvoiceByNumber(number), reading.orderId);
    if (existing) return invoiceRef(existing, false);
    if (!reading.source) throw new Error(`order ${reading.orderId} was read without its lines`);
    const order = reading.source.order as unknown as BcOrder & { billing_address?: Json };
    const client = await this.matchClient(order);
    const items: Record<string, string> = {};
    const products: BcOrderProduct[] = [];
    for (const p of reading.source.products as unknown as BcOrderProduct[]) {
      const item = await this.matchItem(p, reading.currency);
      items[String(p.id)] = item.how;
      // The line carries the matched item's name: that is how a FreshBooks line names its goods.
      products.push({ ...p, name: item.name });
    }
    const plan = orderToInvoice(order, products, { clientId: client.id, coupons: reading.source.coupons as BcCoupon[] });
    if (!plan.ok) throw new OrderRefusedError(plan.reason);
    try {
      const created = await this.d.fb.createInvoice(plan.invoice as unknown as Json);
      return { ...invoiceRef(created, true), matched: { client: client.how, items } };
    } catch (err) {
      // Someone created it between our look-up and our create (another worker, a timed-out attempt).
      if (!isConflict(err)) throw err;
      const raced = await this.ours(await this.d.fb.findInvoiceByNumber(number), reading.orderId);
      if (!raced) throw err;
      return invoiceRef(raced, false);
    }
  }

  /**
   * An invoice found by the order's number is the order's only if it says so (our notes name the order):
   * a business that already used that number for something else gets a person's attention, not a
   * payment recorded against a stranger's invoice.
   */
  private async ours<T extends { notes: string; invoiceNumber: string } | null>(found: T, orderId: number): Promise<T> {
    if (found && !new RegExp(`${orderMarker(orderId)}(?!\\d)`).test(found.notes)) {
      throw new OrderRefusedError(`FreshBooks invoice number ${found.invoiceNumber} is already used by an invoice that was not made from BigCommerce order ${orderId}`);
    }
    return found;
  }

  async markSent(invoiceId: number): Promise<number> {
    return (await this.d.fb.markInvoiceSent(invoiceId)).status;
  }

  /** One FreshBooks payment per captured transaction, keyed by its transaction id. */
  async recordPayment(invoice: InvoiceRef, capture: CaptureToRecord): Promise<{ paymentId: number; created: boolean }> {
    const existing = (await this.d.fb.paymentsForInvoice(invoice.invoiceId)).find((p) => p.transactionId === capture.transactionId);
    if (existing) return { paymentId: existing.id, created: false };
    const p = await this.d.fb.createPayment({
      invoiceId: invoice.invoiceId,
      amount: { amount: capture.amount, code: capture.currency },
      date: capture.date || new Date().toISOString().slice(0, 10),
      type: paymentType(capture),
      note: `BigCommerce order #${invoice.invoiceNumber}, transaction ${capture.transactionId} (${tenderLabel(capture)})`,
      transactionId: capture.transactionId,
    });
    return { paymentId: p.id, created: true };
  }

  /** One credit note per BigCommerce refund, numbered `<order>-R<refund>`. */
  async applyRefund(invoice: InvoiceRef, refund: RefundToApply): Promise<{ creditNoteId: number; created: boolean }> {
    const number = `${invoice.invoiceNumber}-R${refund.refundId}`;
    const existing = await this.d.fb.findCreditNote(number);
    if (existing) return { creditNoteId: existing.id, created: false };
    const tax = toMicros(refund.tax);
    const net = toMicros(refund.amount) - tax;
    const line = (name: string, amount: bigint) => ({ name, qty: '1', unit_cost: { amount: microsToAmount(amount), code: refund.currency } });
    const lines = [line(`Refund ${refund.refundId} of order #${invoice.invoiceNumber}`, net), ...(tax !== 0n ? [line('Tax refunded', tax)] : [])];
    const note = await this.d.fb.createCreditNote({
      clientId: invoice.clientId,
      creditNumber: number,
      createDate: refund.date || new Date().toISOString().slice(0, 10),
      currencyCode: refund.currency,
      notes: `BigCommerce refund ${refund.refundId} of order #${invoice.invoiceNumber} (invoice ${invoice.invoiceNumber})${refund.reason ? `: ${refund.reason}` : ''}`,
      lines,
    });
    return { creditNoteId: note.id, created: true };
  }

  /** Mapping table first (by customer id; guests by billing email), then FreshBooks by email, else a new client. */
  private async matchClient(order: BcOrder & { billing_address?: Json }): Promise<{ id: number; how: string }> {
    const b = order.billing_address ?? {};
    const email = String(b.email ?? '').trim();
    const key = order.customer_id > 0 ? `customer:${order.customer_id}` : `email:${email.toLowerCase()}`;
    if (order.customer_id <= 0 && !email) throw new OrderRefusedError(`order ${order.id}: a guest order without a billing email cannot be matched to a client`);
    return this.d.map.matchOrCreate(this.d.connectionId, 'client', key,
      async () => (email ? (await this.d.fb.findClientByEmail(email))?.id ?? null : null),
      async () => (await this.d.fb.createClient({
        fname: String(b.first_name ?? ''), lname: String(b.last_name ?? ''), email, organization: String(b.company ?? ''),
        phone: String(b.phone ?? ''), street: String(b.street_1 ?? ''), street2: String(b.street_2 ?? ''), city: String(b.city ?? ''),
        province: String(b.state ?? ''), code: String(b.zip ?? ''), country: String(b.country ?? ''),
      })).id);
  }

  /** Catalogue products by product and variant id; custom products (id 0) by SKU, else name. */
  private async matchItem(p: BcOrderProduct, currency: string): Promise<{ id: number; name: string; how: string }> {
    const sku = (p.sku ?? '').trim();
    const key = p.product_id > 0 ? `product:${p.product_id}:${p.variant_id ?? 0}` : sku ? `sku:${sku}` : `name:${p.name}`;
    let name = p.name;
    const r = await this.d.map.matchOrCreate(this.d.connectionId, 'item', key,
      async () => {
        // A SKU that is not found is a new item, even if some other item shares its name.
        const found = await this.d.fb.findItem(sku ? { sku } : { name: p.name });
        if (found) name = found.name;
        return found?.id ?? null;
      },
      async () => (await this.d.fb.createItem({
        name: p.name, ...(sku ? { sku } : {}), description: p.product_id > 0 ? `BigCommerce product ${p.product_id}` : 'BigCommerce custom product',
        unitCost: { amount: microsToAmount(toMicros(p.price_ex_tax)), code: currency },
      })).id);
    return { id: r.id, name, how: r.how };
  }
}

/** What our invoices' notes start with; it ties an invoice found by number to its order. */
export function orderMarker(orderId: number): string {
  return `BigCommerce order #${orderId}`;
}

function skipped(orderId: number, reason: string): OrderReading {
  return { orderId, statusId: -1, status: '', skipReason: reason, captures: [], refunds: [], refundedWithoutRecord: false, currency: '', total: '0.00' };
}

function invoiceRef(inv: { id: number; invoiceNumber: string; customerId: number; status: number; amount: { amount: string; code: string } }, created: boolean): InvoiceRef {
  return { invoiceId: inv.id, invoiceNumber: inv.invoiceNumber, clientId: inv.customerId, status: inv.status, amount: inv.amount.amount, currency: inv.amount.code, created };
}

