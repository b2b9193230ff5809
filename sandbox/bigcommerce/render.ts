/**
 * Records → the JSON BigCommerce sends (reference §2–§5, field lists after `orders.v2.oas2.yml`,
 * `orders.v3.yml`, `customers.v3.yml`, the catalog specs and `webhooks.v3.yml`). v2: 4-decimal money strings
 * and RFC-2822 dates; v3: floats and ISO-8601.
 */
import { iso, rfc2822, v2Money, v3Money } from './format';
import {
  ORDER_STATUSES,
  type Charge,
  type CustomerRec,
  type HookRec,
  type OrderLine,
  type OrderRec,
  type ProductRec,
  type Refund,
  type Transaction,
  type VariantRec,
} from './model';
import { discountedInc, discountedTax } from './orders';

/** `.../stores/{hash}` on the sandbox, for the `{url, resource}` links v2 orders carry. */
export type StoreBase = string;

function money3(prefix: string, c: Charge, withBase = true): Record<string, string> {
  return {
    ...(withBase ? { [`base_${prefix}`]: v2Money(c.base) } : {}),
    [`${prefix}_ex_tax`]: v2Money(c.ex),
    [`${prefix}_inc_tax`]: v2Money(c.inc),
    [`${prefix}_tax`]: v2Money(c.tax),
  };
}

export function v2Order(o: OrderRec, base: StoreBase, storeCurrency: string): Record<string, unknown> {
  const status = ORDER_STATUSES[o.statusId] ?? 'Unknown';
  const link = (sub: string) => ({ url: `${base}/v2/orders/${o.id}/${sub}`, resource: `/orders/${o.id}/${sub}` });
  const itemsTotal = o.lines.reduce((a, l) => a + l.quantity, 0);
  const cardTx = o.transactions.find((t) => t.method === 'credit_card' && t.status === 'ok');
  return {
    id: o.id,
    customer_id: o.customerId,
    date_created: rfc2822(o.createdMs),
    date_modified: rfc2822(o.modifiedMs),
    date_shipped: o.shippedMs === null ? '' : rfc2822(o.shippedMs),
    status_id: o.statusId,
    status,
    custom_status: status,
    subtotal_ex_tax: v2Money(o.subtotal.ex),
    subtotal_inc_tax: v2Money(o.subtotal.inc),
    subtotal_tax: v2Money(o.subtotal.tax),
    base_shipping_cost: v2Money(o.shipping.base),
    shipping_cost_ex_tax: v2Money(o.shipping.ex),
    shipping_cost_inc_tax: v2Money(o.shipping.inc),
    shipping_cost_tax: v2Money(o.shipping.tax),
    shipping_cost_tax_class_id: 2,
    base_handling_cost: v2Money(o.handling.base),
    handling_cost_ex_tax: v2Money(o.handling.ex),
    handling_cost_inc_tax: v2Money(o.handling.inc),
    handling_cost_tax: v2Money(o.handling.tax),
    handling_cost_tax_class_id: 2,
    base_wrapping_cost: v2Money(o.wrapping.base),
    wrapping_cost_ex_tax: v2Money(o.wrapping.ex),
    wrapping_cost_inc_tax: v2Money(o.wrapping.inc),
    wrapping_cost_tax: v2Money(o.wrapping.tax),
    wrapping_cost_tax_class_id: 3,
    total_ex_tax: v2Money(o.total.ex),
    total_inc_tax: v2Money(o.total.inc),
    total_tax: v2Money(o.total.tax),
    items_total: itemsTotal,
    items_shipped: o.statusId === 2 || o.statusId === 10 ? itemsTotal : 0,
    payment_method: o.paymentMethod,
    payment_provider_id: o.paymentProviderId || (cardTx?.gatewayTransactionId ?? ''),
    payment_status: o.paymentStatus,
    // Documented as always 0 (quirk 6): refunds live in v3.
    refunded_amount: v2Money(0),
    order_is_digital: o.lines.every((l) => l.type !== 'physical'),
    store_credit_amount: v2Money(o.storeCreditAmount),
    gift_certificate_amount: v2Money(o.giftCertificateAmount),
    ip_address: '203.0.113.24',
    ip_address_v6: '',
    geoip_country: o.billing.country,
    geoip_country_iso2: o.billing.country_iso2,
    currency_id: currencyId(o.displayCurrency),
    currency_code: o.displayCurrency,
    currency_exchange_rate: o.displayRate,
    default_currency_id: currencyId(o.currency),
    default_currency_code: o.currency,
    store_default_currency_code: storeCurrency,
    store_default_to_transactional_exchange_rate: o.storeToTransactionalRate,
    staff_notes: o.staffNotes,
    customer_message: o.customerMessage,
    discount_amount: v2Money(o.discount),
    coupon_discount: v2Money(o.couponDiscount),
    shipping_address_count: o.shippingAddress ? 1 : 0,
    is_deleted: false,
    ebay_order_id: '0',
    cart_id: `c${String(o.id).padStart(7, '0')}-5d1e-4b0a-9c7e-0123456789ab`,
    billing_address: { ...o.billing, form_fields: [] },
    is_email_opt_in: false,
    credit_card_type: null,
    order_source: o.orderSource,
    channel_id: o.channelId,
    external_source: null,
    products: link('products'),
    shipping_addresses: link('shipping_addresses'),
    coupons: link('coupons'),
    external_id: null,
    external_merchant_id: null,
    tax_provider_id: o.taxRate > 0 ? 'BasicTaxProvider' : '',
    customer_locale: 'en',
    external_order_id: '',
    is_tax_inclusive_pricing: o.taxInclusive,
  };
}

function currencyId(code: string): number {
  return ({ USD: 1, EUR: 2, GBP: 3, CAD: 4, AUD: 5 } as Record<string, number>)[code] ?? 9;
}

export function v2OrderProduct(o: OrderRec, l: OrderLine): Record<string, unknown> {
  return {
    id: l.id,
    order_id: o.id,
    product_id: l.productId,
    variant_id: l.variantId,
    order_address_id: l.type === 'physical' && o.shippingAddress ? o.shippingAddress.id : 0,
    name: l.name,
    name_customer: l.name,
    name_merchant: l.name,
    sku: l.sku,
    upc: '',
    type: l.type,
    base_price: v2Money(l.unit.base),
    price_ex_tax: v2Money(l.unit.ex),
    price_inc_tax: v2Money(l.unit.inc),
    price_tax: v2Money(l.unit.tax),
    base_total: v2Money(l.total.base),
    total_ex_tax: v2Money(l.total.ex),
    total_inc_tax: v2Money(l.total.inc),
    total_tax: v2Money(l.total.tax),
    weight: l.type === 'physical' ? '1.0000' : '0.0000',
    quantity: l.quantity,
    base_cost_price: v2Money(0),
    is_refunded: l.quantityRefunded > 0,
    quantity_refunded: l.quantityRefunded,
    // Deprecated and documented as always 0 (quirk 6).
    refund_amount: v2Money(0),
    return_id: 0,
    wrapping_name: '',
    base_wrapping_cost: v2Money(0),
    wrapping_cost_ex_tax: v2Money(0),
    wrapping_cost_inc_tax: v2Money(0),
    wrapping_cost_tax: v2Money(0),
    wrapping_message: '',
    quantity_shipped: o.statusId === 2 || o.statusId === 10 ? l.quantity : 0,
    fixed_shipping_cost: v2Money(0),
    is_bundled_product: false,
    parent_order_product_id: null,
    applied_discounts: l.discounts.map((d) => ({ id: d.id, amount: v2Money(d.amount), name: d.name, code: d.code, target: d.target })),
    product_options: [],
    configurable_fields: [],
    discounted_total_inc_tax: v2Money(discountedInc(l)),
  };
}

export function v2ShippingAddress(o: OrderRec): Record<string, unknown> | undefined {
  const a = o.shippingAddress;
  if (!a) return undefined;
  const { id, method, ...addr } = a;
  const items = o.lines.filter((l) => l.type === 'physical').reduce((n, l) => n + l.quantity, 0);
  return {
    id,
    order_id: o.id,
    ...addr,
    items_total: items,
    items_shipped: o.statusId === 2 || o.statusId === 10 ? items : 0,
    shipping_method: method,
    ...money3('cost', o.shipping),
    cost_tax_class_id: 2,
    ...money3('handling_cost', o.handling),
    handling_cost_tax_class_id: 2,
    shipping_zone_id: 1,
    shipping_zone_name: a.country,
    form_fields: [],
  };
}

export function v2Coupons(o: OrderRec): Record<string, unknown>[] {
  return o.coupons.map((c) => ({ id: c.id, coupon_id: c.couponId, order_id: o.id, code: c.code, amount: v2Money(c.discount), type: c.type, discount: v2Money(c.discount) }));
}

/** `/v2/orders/{id}/taxes`: one row per taxed line and charge; Σ line_amount = total_tax. */
export function v2Taxes(o: OrderRec): Record<string, unknown>[] {
  if (o.taxRate <= 0) return [];
  const addressId = o.shippingAddress?.id ?? 0;
  const row = (i: number, amount: number, type: string, productId: number | null) => ({
    id: o.id * 100 + i,
    order_id: o.id,
    order_address_id: addressId,
    tax_rate_id: 1,
    tax_class_id: 0,
    name: o.taxName,
    class: 'Default Tax Class',
    rate: o.taxRate.toFixed(4),
    priority: 0,
    priority_amount: v2Money(amount),
    line_amount: v2Money(amount),
    order_product_id: productId,
    line_item_type: type,
  });
  const rows = o.lines.map((l, i) => row(i, discountedTax(l), 'item', l.id));
  if (o.shipping.tax) rows.push(row(90, o.shipping.tax, 'shipping', null));
  if (o.handling.tax) rows.push(row(91, o.handling.tax, 'handling', null));
  if (o.wrapping.tax) rows.push(row(92, o.wrapping.tax, 'gift_wrapping', null));
  return rows;
}

export function v3Transaction(t: Transaction): Record<string, unknown> {
  return {
    id: t.id,
    order_id: String(t.orderId),
    event: t.event,
    method: t.method,
    amount: v3Money(t.amount),
    currency: t.currency,
    gateway: t.gateway,
    gateway_transaction_id: t.gatewayTransactionId,
    payment_method_id: t.paymentMethodId,
    status: t.status,
    test: t.test,
    fraud_review: t.fraudReview,
    reference_transaction_id: t.referenceTransactionId,
    date_created: iso(t.createdMs),
    avs_result: { code: '', message: '', street_match: '', postal_match: '' },
    cvv_result: { code: '', message: '' },
    ...t.detail,
  };
}

export function v3Refund(r: Refund): Record<string, unknown> {
  return {
    id: r.id,
    order_id: r.orderId,
    user_id: r.userId,
    created: iso(r.createdMs),
    reason: r.reason,
    total_amount: v3Money(r.totalAmount),
    total_tax: v3Money(r.totalTax),
    uses_merchant_override_values: false,
    items: r.items.map((i) => ({
      item_type: i.item_type,
      item_id: i.item_id,
      quantity: i.quantity,
      // A 2-decimal string here (unverified: the spec's type for requested_amount was not checked).
      requested_amount: i.requestedCents === null ? null : v3Money(i.requestedCents).toFixed(2),
      reason: r.reason,
    })),
    payments: r.payments.map((p) => ({
      id: p.id,
      provider_id: p.providerId,
      amount: v3Money(p.amount),
      offline: p.offline,
      is_declined: p.isDeclined,
      declined_message: p.declinedMessage,
      transaction_id: p.transactionId,
    })),
  };
}

export function v3Customer(c: CustomerRec, include: Set<string>): Record<string, unknown> {
  return {
    id: c.id,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    company: c.company,
    phone: c.phone,
    registration_ip_address: '',
    notes: c.notes,
    tax_exempt_category: '',
    customer_group_id: c.customerGroupId,
    date_created: iso(c.createdMs),
    date_modified: iso(c.modifiedMs),
    address_count: c.addresses.length,
    attribute_count: 0,
    authentication: { force_password_reset: false },
    accepts_product_review_abandoned_cart_emails: false,
    origin_channel_id: 1,
    channel_ids: null,
    ...(include.has('addresses') ? { addresses: c.addresses.map((a) => ({ ...a, customer_id: c.id })) } : {}),
    ...(include.has('storecredit') ? { store_credit_amounts: [{ amount: v3Money(c.storeCredit) }] } : {}),
  };
}

export function v3Variant(p: ProductRec, v: VariantRec): Record<string, unknown> {
  const price = v.price ?? p.price;
  const sale = v.salePrice ?? (p.salePrice || null);
  return {
    id: v.id,
    product_id: p.id,
    sku: v.sku,
    sku_id: v.optionValues.length > 0 ? v.id + 1000 : null,
    price: v.price === null ? null : v3Money(v.price),
    calculated_price: v3Money(sale && sale > 0 ? sale : price),
    sale_price: v.salePrice === null ? null : v3Money(v.salePrice),
    retail_price: null,
    map_price: null,
    weight: null,
    cost_price: v3Money(p.costPrice),
    upc: '',
    mpn: '',
    gtin: '',
    inventory_level: v.inventory,
    inventory_warning_level: 0,
    bin_picking_number: '',
    purchasing_disabled: false,
    purchasing_disabled_message: '',
    image_url: '',
    option_values: v.optionValues,
  };
}

export function v3Product(p: ProductRec, include: Set<string>): Record<string, unknown> {
  const single = p.variants.length === 1 && p.variants[0]!.optionValues.length === 0;
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    sku: p.sku,
    description: p.description,
    weight: p.type === 'physical' ? 1 : 0,
    price: v3Money(p.price),
    cost_price: v3Money(p.costPrice),
    retail_price: v3Money(p.retailPrice),
    sale_price: v3Money(p.salePrice),
    map_price: 0,
    calculated_price: v3Money(p.salePrice > 0 ? p.salePrice : p.price),
    tax_class_id: p.taxClassId,
    product_tax_code: p.productTaxCode,
    categories: [23],
    brand_id: 0,
    inventory_level: p.variants.reduce((n, v) => n + v.inventory, 0),
    inventory_tracking: single ? 'product' : 'variant',
    is_visible: p.isVisible,
    is_featured: false,
    date_created: iso(p.createdMs),
    date_modified: iso(p.modifiedMs),
    base_variant_id: single ? p.variants[0]!.id : null,
    custom_url: { url: `/${p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/`, is_customized: false },
    ...(include.has('variants') ? { variants: p.variants.map((v) => v3Variant(p, v)) } : {}),
  };
}

export function v3Hook(h: HookRec): Record<string, unknown> {
  return {
    id: h.id,
    client_id: h.clientId,
    store_hash: h.storeHash,
    scope: h.scope,
    destination: h.destination,
    headers: h.headers,
    is_active: h.isActive,
    created_at: h.createdAt,
    updated_at: h.updatedAt,
  };
}

/** `meta.pagination` of v3 offset lists. */
export function pagination(total: number, count: number, page: number, perPage: number, extra = ''): Record<string, unknown> {
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const link = (p: number) => `?page=${p}&limit=${perPage}${extra}`;
  return {
    total,
    count,
    per_page: perPage,
    current_page: page,
    total_pages: totalPages,
    links: { ...(page > 1 ? { previous: link(page - 1) } : {}), current: link(page), ...(page < totalPages ? { next: link(page + 1) } : {}) },
  };
}
