/**
 * All mutable state of the BigCommerce sandbox: stores with their API accounts, orders (with lines,
 * transactions, refunds), customers, catalog, hooks and deliveries, quota windows, queued faults and
 * counters. Route handlers are thin functions over this object, and tests steer it through the same methods.
 */
import { HookHub, type Delivery, type WebhookOptions } from './webhooks';
import { StoreQuota } from './limits';
import {
  capturedCents,
  checkoutTransactions,
  makeTx,
  paymentStatusFor,
  priceOrder,
  priceRefund,
  RefundError,
  refundedCents,
  refundPayments,
  refundRecord,
  resolvePlan,
  type OrderSpec,
  type RefundSpec,
  type TxFactory,
} from './orders';
import type { TxEvent, Address, CustomerAddress, CustomerRec, OrderRec, ProductRec, Transaction } from './model';
import { toCents } from './format';
import { v2Order, v3Customer, v3Hook, v3Product, v3Refund, v3Transaction } from './render';
import { seedStore } from './seed';
import { FaultQueue } from '../kit/faults';

export interface StoreAccountOptions {
  hash: string;
  /** The store-level API account's access token, sent as X-Auth-Token. */
  token: string;
  /** Store default currency (default USD). */
  currency?: string;
  /** The API account's client id (hooks are visible only to the client that created them). */
  clientId?: string;
  /** Key for the Standard Webhooks signature. */
  clientSecret?: string;
}

export interface RequestInfo {
  method: string;
  /** Path with the store prefix, e.g. `/stores/abc123/v2/orders`. */
  path: string;
  storeHash: string | undefined;
  query: Record<string, unknown>;
}

export interface BigCommerceSandboxOptions {
  /** Several entries with the same hash = several API accounts on one store. Default: store `abc123`. */
  stores?: StoreAccountOptions[];
  seed?: number;
  /** Clock in epoch ms: record times, quota windows, webhook timestamps. */
  now?: () => number;
  /** Orders seeded per store (default 40); 0 seeds customers and catalog only. */
  seedOrders?: number;
  /** Requests per quota window (default 150, Standard/Plus). */
  rateLimitQuota?: number;
  /** Quota window (default 30 000 ms). */
  rateLimitWindowMs?: number;
  /** false: rate-limit headers are still sent but nothing is refused. Default true. */
  enforceRateLimits?: boolean;
  webhooks?: WebhookOptions;
  onRequest?: (info: RequestInfo) => void;
}

export const DEFAULT_STORE_HASH = 'abc123';
export const DEFAULT_TOKEN = 'bc-sandbox-token-3f9a1c7e5b2d4086';

export interface FaultSpec {
  status: number;
  count: number;
  /** Sent as X-Retry-After (seconds, rounded up) on 429s, and as Retry-After on 503s. */
  retryAfterMs?: number;
  /** 'v2', 'v3', or a substring of the path after `/stores/{hash}`; absent = any store request. */
  scope?: string;
}

function matchesScope(scope: string | undefined, subPath: string): boolean {
  if (scope === undefined) return true;
  return scope === 'v2' || scope === 'v3' ? subPath.startsWith(`/${scope}/`) : subPath.includes(scope);
}

export interface BigCommerceSandboxStats {
  total: number;
  /** Per route: `GET /v2/orders/{id}/products`. */
  requests: Record<string, number>;
  byStatus: Record<number, number>;
  rateLimited: number;
  unauthorized: number;
  faultsInjected: number;
}

interface Account {
  token: string;
  clientId: string;
  clientSecret: string;
}

export interface Store {
  hash: string;
  storeId: string;
  currency: string;
  accounts: Account[];
  quota: StoreQuota;
  orders: Map<number, OrderRec>;
  customers: Map<number, CustomerRec>;
  products: Map<number, ProductRec>;
  seq: { order: number; line: number; address: number; tx: number; refund: number; payment: number; customer: number; customerAddress: number; product: number; variant: number; coupon: number };
}

export interface TransactionSpec {
  event: TxEvent;
  /** Major units. */
  amount: number;
  method?: string;
  gateway?: string;
  status?: 'ok' | 'error';
  referenceTransactionId?: number;
  createdMs?: number;
}

export interface CustomerSpec {
  email: string;
  firstName: string;
  lastName: string;
  company?: string;
  phone?: string;
  notes?: string;
  customerGroupId?: number;
  address?: Partial<Omit<CustomerAddress, 'id'>>;
  /** Major units. */
  storeCredit?: number;
  createdMs?: number;
}

export interface ProductSpec {
  name: string;
  sku: string;
  /** Major units. */
  price: number;
  type?: 'physical' | 'digital';
  description?: string;
  costPrice?: number;
  salePrice?: number;
  isVisible?: boolean;
  /** Absent: one base variant sharing the product SKU. */
  variants?: { sku: string; price?: number; options: Record<string, string>; inventory?: number }[];
  createdMs?: number;
}

export class BigCommerceSandboxState {
  readonly stores = new Map<string, Store>();
  readonly hub: HookHub;
  private readonly faults = new FaultQueue<FaultSpec>();
  private latency?: { ms: number; scope?: string };
  readonly stats: BigCommerceSandboxStats = { total: 0, requests: {}, byStatus: {}, rateLimited: 0, unauthorized: 0, faultsInjected: 0 };
  onRequest?: (info: RequestInfo) => void;
  readonly now: () => number;

  constructor(opts: BigCommerceSandboxOptions = {}) {
    this.now = opts.now ?? Date.now;
    if (opts.onRequest) this.onRequest = opts.onRequest;
    this.hub = new HookHub(
      {
        now: this.now,
        storeId: (hash) => this.store(hash).storeId,
        clientSecret: (hash, clientId) => this.store(hash).accounts.find((a) => a.clientId === clientId)?.clientSecret ?? '',
      },
      opts.webhooks,
    );
    const accounts = opts.stores ?? [{ hash: DEFAULT_STORE_HASH, token: DEFAULT_TOKEN }];
    for (const a of accounts) {
      let store = this.stores.get(a.hash);
      if (!store) {
        store = {
          hash: a.hash,
          storeId: String(1_025_646 + this.stores.size),
          currency: a.currency ?? 'USD',
          accounts: [],
          quota: new StoreQuota(opts.rateLimitQuota ?? 150, opts.rateLimitWindowMs ?? 30_000, opts.enforceRateLimits ?? true),
          orders: new Map(),
          customers: new Map(),
          products: new Map(),
          seq: { order: 100, line: 1, address: 1, tx: 1, refund: 1, payment: 1, customer: 1, customerAddress: 1, product: 77, variant: 1, coupon: 1 },
        };
        this.stores.set(a.hash, store);
      }
      const n = store.accounts.length + 1;
      store.accounts.push({ token: a.token, clientId: a.clientId ?? `${a.hash}-client-${n}`, clientSecret: a.clientSecret ?? `${a.hash}-secret-${n}` });
    }
    let i = 0;
    for (const store of this.stores.values()) seedStore(this, store.hash, (opts.seed ?? 1) + i++, opts.seedOrders ?? 40);
  }

  store(hash: string): Store {
    const s = this.stores.get(hash);
    if (!s) throw new Error(`sandbox: no store ${hash}`);
    return s;
  }

  /** The API account the token belongs to on this store, if any. */
  account(hash: string, token: string | undefined): Account | undefined {
    if (!token) return undefined;
    return this.stores.get(hash)?.accounts.find((a) => a.token === token);
  }

  // ---- requests, faults ----

  injectFaults(faults: FaultSpec[]): void {
    this.faults.add(...faults);
  }

  /** A slow store: every API request (matching `scope`, as in FaultSpec) is answered `ms` later. */
  injectLatency(ms: number, scope?: string): void {
    this.latency = ms > 0 ? { ms, ...(scope ? { scope } : {}) } : undefined;
  }

  clearFaults(): void {
    this.faults.clear();
    this.latency = undefined;
  }

  latencyFor(subPath: string): number {
    const l = this.latency;
    return l && matchesScope(l.scope, subPath) ? l.ms : 0;
  }

  /** The first queued fault matching this request, consumed. `subPath` is the path after `/stores/{hash}`. */
  takeFault(subPath: string): FaultSpec | undefined {
    const f = this.faults.take((x) => matchesScope(x.scope, subPath));
    if (f) this.stats.faultsInjected++;
    return f;
  }

  recordRequest(route: string, status: number): void {
    this.stats.total++;
    this.stats.requests[route] = (this.stats.requests[route] ?? 0) + 1;
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    if (status === 429) this.stats.rateLimited++;
    if (status === 401) this.stats.unauthorized++;
  }

  // ---- webhooks ----

  get deliveries(): Delivery[] {
    return this.hub.deliveries;
  }

  hooks(hash: string): Record<string, unknown>[] {
    return this.hub.list(hash).map(v3Hook);
  }

  deactivateHook(hash: string, id: number): void {
    const h = this.hub.hooks.get(id);
    if (!h || h.storeHash !== hash) throw new Error(`sandbox: no hook ${id} on store ${hash}`);
    h.isActive = false;
    this.hub.touch(h);
  }

  /** Resolves when no webhook delivery is in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.hub.idle();
  }

  private emit(hash: string, scope: string, data: Record<string, unknown>): void {
    this.hub.emit(hash, scope, data);
  }

  // ---- orders ----

  private txFactory(store: Store): TxFactory {
    return {
      nextId: () => store.seq.tx++,
      gatewayRef: (gateway) => `${gateway.slice(0, 2)}_${(store.seq.tx * 2_654_435_761 % 4_294_967_296).toString(36)}${store.seq.tx}`,
    };
  }

  /** Record-level order, for assertions. */
  orderRecord(hash: string, id: number): OrderRec | undefined {
    return this.store(hash).orders.get(id);
  }

  orders(hash: string): Record<string, unknown>[] {
    return [...this.store(hash).orders.values()].map((o) => v2Order(o, `/stores/${hash}`, this.store(hash).currency));
  }

  createOrder(hash: string, spec: OrderSpec): Record<string, unknown> {
    const store = this.store(hash);
    const at = Math.floor((spec.createdMs ?? this.now()) / 1000) * 1000;
    const customer = spec.customerId ? store.customers.get(spec.customerId) : undefined;
    if (spec.customerId && !customer) throw new Error(`sandbox: no customer ${spec.customerId}`);
    if (spec.lines.length === 0) throw new Error('sandbox: an order needs at least one line');
    const priced = priceOrder(spec, store.seq.line);
    store.seq.line += spec.lines.length;
    const billing: Address = { ...billingFor(customer), ...spec.billing };
    const physical = priced.lines.some((l) => l.type === 'physical');
    const statusId = spec.statusId ?? 11;
    const plan = resolvePlan(spec.payment, statusId);
    const giftCertificateAmount = toCents(spec.giftCertificate ?? 0);
    const storeCreditAmount = toCents(spec.storeCredit ?? 0);
    if (giftCertificateAmount + storeCreditAmount > priced.total.inc) throw new Error('sandbox: tenders exceed the order total');
    if (!(physical && spec.shipTo !== null) && priced.shipping.inc + priced.handling.inc > 0) throw new Error('sandbox: shipping/handling need a shipping address (a physical line)');
    const currency = spec.currency ?? store.currency;
    const order: OrderRec = {
      id: store.seq.order++,
      customerId: customer?.id ?? 0,
      createdMs: at,
      modifiedMs: at,
      shippedMs: null,
      statusId,
      taxInclusive: spec.taxInclusive ?? false,
      taxRate: spec.taxRate ?? 0,
      taxName: spec.taxName ?? 'Sales Tax',
      ...priced,
      coupons: spec.coupon ? [{ id: store.seq.coupon++, couponId: 3, code: spec.coupon.code, type: 2, discount: priced.couponDiscount }] : [],
      billing,
      shippingAddress:
        physical && spec.shipTo !== null
          ? { ...billing, ...spec.shipTo, id: store.seq.address++, method: spec.shippingMethod ?? (priced.shipping.inc > 0 ? 'Flat Rate' : 'Free Shipping') }
          : null,
      paymentMethod: '',
      paymentProviderId: '',
      paymentStatus: paymentStatusFor(plan, statusId),
      giftCertificateAmount,
      storeCreditAmount,
      displayCurrency: spec.displayCurrency ?? currency,
      currency,
      // Display currency per transactional unit; 1 for v2-created orders (reference §9).
      displayRate: (spec.displayRate ?? 1).toFixed(10),
      storeToTransactionalRate: (spec.storeToTransactionalRate ?? 1).toFixed(10),
      channelId: spec.channelId ?? 1,
      orderSource: spec.orderSource ?? 'www',
      customerMessage: spec.customerMessage ?? '',
      staffNotes: spec.staffNotes ?? '',
      transactions: [],
      refunds: [],
    };
    const nowCap = Math.max(this.now(), at);
    order.transactions = checkoutTransactions(order, plan, spec.gateway ?? 'stripe', this.txFactory(store)).map((t) => ({ ...t, createdMs: Math.min(t.createdMs, nowCap) }));
    order.paymentMethod = paymentMethodLabel(order, plan);
    if (statusId === 2 || statusId === 10) order.shippedMs = Math.min(at + 2 * 86_400_000, nowCap);
    order.modifiedMs = Math.max(at, order.shippedMs ?? 0, ...order.transactions.map((t) => t.createdMs));
    store.orders.set(order.id, order);
    this.emit(hash, 'store/order/created', { type: 'order', id: order.id });
    for (const t of order.transactions) this.emitTransaction(hash, t, 'created');
    return v2Order(order, `/stores/${hash}`, store.currency);
  }

  private mustOrder(hash: string, id: number): OrderRec {
    const o = this.store(hash).orders.get(id);
    if (!o) throw new Error(`sandbox: no order ${id} on store ${hash}`);
    return o;
  }

  /** Changes the status (as the control panel or `PUT /v2/orders/{id}` would), bumping date_modified. */
  setOrderStatus(hash: string, orderId: number, statusId: number, atMs?: number): void {
    const o = this.mustOrder(hash, orderId);
    const previous = o.statusId;
    o.statusId = statusId;
    o.modifiedMs = Math.floor((atMs ?? this.now()) / 1000) * 1000;
    if ((statusId === 2 || statusId === 10) && o.shippedMs === null) o.shippedMs = o.modifiedMs;
    this.emit(hash, 'store/order/updated', { type: 'order', id: o.id });
    if (previous !== statusId) this.emit(hash, 'store/order/statusUpdated', { type: 'order', id: o.id, status: { previous_status_id: previous, new_status_id: statusId } });
  }

  addTransaction(hash: string, orderId: number, spec: TransactionSpec): Record<string, unknown> {
    const store = this.store(hash);
    const o = this.mustOrder(hash, orderId);
    const gateway = spec.gateway ?? 'stripe';
    const method = spec.method ?? 'credit_card';
    const t = makeTx(this.txFactory(store), {
      orderId,
      event: spec.event,
      method,
      amount: toCents(spec.amount),
      currency: o.currency,
      gateway,
      paymentMethodId: method === 'credit_card' ? `${gateway}.card` : gateway,
      status: spec.status ?? 'ok',
      createdMs: spec.createdMs ?? this.now(),
      detail: {},
      ...(spec.referenceTransactionId !== undefined ? { referenceTransactionId: spec.referenceTransactionId } : {}),
    });
    o.transactions.push(t);
    if (t.status === 'ok' && (t.event === 'capture' || t.event === 'purchase')) o.paymentStatus = 'captured';
    this.emitTransaction(hash, t, 'created');
    return v3Transaction(t);
  }

  private emitTransaction(hash: string, t: Transaction, what: 'created' | 'updated'): void {
    this.emit(hash, `store/order/transaction/${what}`, {
      type: 'transaction',
      order_id: String(t.orderId),
      transaction_id: t.id,
      transaction_status: t.status,
      transaction_type: t.event,
      result: { code: t.status === 'ok' ? 'approved' : 'declined', message: '', type: t.status === 'ok' ? 'success' : 'failure' },
    });
  }

  /** Records a refund as `POST …/payment_actions/refunds` would; throws RefundError where BigCommerce answers 422. */
  addRefund(hash: string, orderId: number, spec: RefundSpec = {}): Record<string, unknown> {
    const store = this.store(hash);
    const o = this.mustOrder(hash, orderId);
    const at = Math.floor((spec.createdMs ?? this.now()) / 1000) * 1000;
    const priced = priceRefund(o, spec);
    const payments = refundPayments(o, priced.total, spec, () => store.seq.payment++);
    if (payments.reduce((a, p) => a + p.amount, 0) !== priced.total) throw new RefundError('Refund amount is greater than remaining amount.');
    const refund = refundRecord(o, store.seq.refund++, priced, payments, { ...spec, createdMs: at }, at);
    const declined = payments.some((p) => p.isDeclined);
    const newTx: Transaction[] = [];
    if (!declined) {
      for (const p of payments) {
        if (p.offline) continue;
        const tender = o.transactions.find((t) => t.gateway === p.providerId && t.status === 'ok' && (t.event === 'purchase' || t.event === 'capture'));
        const t = makeTx(this.txFactory(store), {
          orderId,
          event: 'refund',
          method: tender?.method ?? 'credit_card',
          amount: p.amount,
          currency: o.currency,
          gateway: p.providerId,
          paymentMethodId: tender?.paymentMethodId ?? p.providerId,
          status: 'ok',
          createdMs: at,
          detail: {},
          referenceTransactionId: tender?.id ?? null,
        });
        p.transactionId = t.id;
        newTx.push(t);
      }
      for (const item of priced.items) {
        const line = item.item_type === 'PRODUCT' ? o.lines.find((l) => l.id === item.item_id) : undefined;
        if (line) line.quantityRefunded += item.quantity ?? 0;
      }
    }
    o.transactions.push(...newTx);
    o.refunds.push(refund);
    const previous = o.statusId;
    if (!declined) {
      const full = refundedCents(o) >= capturedCents(o);
      o.statusId = full ? 4 : 14;
      o.paymentStatus = full ? 'refunded' : 'partially refunded';
    }
    o.modifiedMs = Math.max(o.modifiedMs, at);
    this.emit(hash, 'store/order/refund/created', { type: 'order', id: o.id, refund: { refund_id: refund.id } });
    for (const t of newTx) this.emitTransaction(hash, t, 'created');
    this.emit(hash, 'store/order/updated', { type: 'order', id: o.id });
    if (previous !== o.statusId) this.emit(hash, 'store/order/statusUpdated', { type: 'order', id: o.id, status: { previous_status_id: previous, new_status_id: o.statusId } });
    return v3Refund(refund);
  }

  // ---- customers, catalog ----

  createCustomer(hash: string, spec: CustomerSpec): Record<string, unknown> {
    const store = this.store(hash);
    const email = spec.email.trim().toLowerCase();
    if ([...store.customers.values()].some((c) => c.email === email)) throw new Error(`sandbox: customer email ${email} is already in use`);
    const at = Math.floor((spec.createdMs ?? this.now()) / 1000) * 1000;
    const c: CustomerRec = {
      id: store.seq.customer++,
      email,
      firstName: spec.firstName,
      lastName: spec.lastName,
      company: spec.company ?? '',
      phone: spec.phone ?? '',
      notes: spec.notes ?? '',
      customerGroupId: spec.customerGroupId ?? 0,
      createdMs: at,
      modifiedMs: at,
      addresses: spec.address
        ? [
            {
              id: store.seq.customerAddress++,
              first_name: spec.firstName,
              last_name: spec.lastName,
              company: spec.company ?? '',
              address1: '',
              address2: '',
              city: '',
              state_or_province: '',
              postal_code: '',
              country_code: 'US',
              phone: spec.phone ?? '',
              address_type: 'residential',
              ...spec.address,
            },
          ]
        : [],
      storeCredit: toCents(spec.storeCredit ?? 0),
    };
    store.customers.set(c.id, c);
    this.emit(hash, 'store/customer/created', { type: 'customer', id: c.id });
    return v3Customer(c, new Set(['addresses', 'storecredit']));
  }

  createProduct(hash: string, spec: ProductSpec): Record<string, unknown> {
    const store = this.store(hash);
    const at = Math.floor((spec.createdMs ?? this.now()) / 1000) * 1000;
    const id = store.seq.product++;
    const variants = (spec.variants ?? [{ sku: spec.sku, options: {} }]).map((v, i) => ({
      id: store.seq.variant++,
      productId: id,
      sku: v.sku,
      price: 'price' in v && v.price !== undefined ? toCents(v.price) : null,
      salePrice: null,
      optionValues: Object.entries(v.options).map(([name, label], j) => ({ id: id * 100 + i * 10 + j, option_id: id * 10 + j, label, option_display_name: name })),
      inventory: ('inventory' in v ? v.inventory : undefined) ?? 25,
    }));
    const p: ProductRec = {
      id,
      name: spec.name,
      type: spec.type ?? 'physical',
      sku: spec.sku,
      description: spec.description ?? `<p>${spec.name}</p>`,
      price: toCents(spec.price),
      costPrice: toCents(spec.costPrice ?? 0),
      retailPrice: 0,
      salePrice: toCents(spec.salePrice ?? 0),
      taxClassId: 0,
      productTaxCode: '',
      isVisible: spec.isVisible ?? true,
      createdMs: at,
      modifiedMs: at,
      variants,
    };
    store.products.set(p.id, p);
    this.emit(hash, 'store/product/created', { type: 'product', id: p.id });
    for (const v of variants) this.emit(hash, 'store/sku/created', { type: 'sku', id: v.id, sku: { product_id: p.id, variant_id: v.id } });
    return v3Product(p, new Set(['variants']));
  }

  /** Stops webhook retries; called when the server closes. */
  shutdown(): void {
    this.hub.stop();
  }
}

function billingFor(c: CustomerRec | undefined): Address {
  const a = c?.addresses[0];
  return {
    first_name: c?.firstName ?? 'Guest',
    last_name: c?.lastName ?? 'Shopper',
    company: c?.company ?? '',
    street_1: a?.address1 ?? '100 Main St',
    street_2: a?.address2 ?? '',
    city: a?.city ?? 'Austin',
    state: a?.state_or_province ?? 'Texas',
    zip: a?.postal_code ?? '78701',
    country: a ? countryName(a.country_code) : 'United States',
    country_iso2: a?.country_code ?? 'US',
    phone: c?.phone ?? '',
    email: c?.email ?? 'guest.shopper@example.com',
  };
}

export function countryName(iso2: string): string {
  return ({ US: 'United States', CA: 'Canada', DE: 'Germany', FR: 'France', IE: 'Ireland', GB: 'United Kingdom' } as Record<string, string>)[iso2] ?? iso2;
}

function paymentMethodLabel(o: OrderRec, plan: ReturnType<typeof resolvePlan>): string {
  if (plan === 'none') return '';
  if (plan === 'offline_pending') return 'Bank Deposit';
  if (o.giftCertificateAmount > 0 && o.giftCertificateAmount === o.total.inc) return 'Gift Certificate';
  if (o.storeCreditAmount > 0 && o.storeCreditAmount === o.total.inc) return 'Store Credit';
  return 'Credit Card';
}
