/**
 * The seeded store: an outdoor-gear shop (the seed brief's example) with customers, a small catalog with
 * variants, and orders covering every case the BC → FreshBooks sync must handle — paid statuses with
 * captured transactions, unpaid/declined/cancelled/incomplete orders, full and partial refunds with refund
 * records, an order marked Refunded with no refund record, guest checkout, a custom product, coupon plus
 * manual discount, shipping + handling + wrapping, tax-inclusive and tax-exclusive pricing, gift
 * certificate and store credit tenders, and non-default transactional and display currencies.
 * Same seed and clock, same store.
 */
import { Prng } from '../freshbooks/prng';
import { FIRST_NAMES, LAST_NAMES, PLACES, STREETS } from '../freshbooks/seed-data';
import type { OrderLineSpec, OrderSpec } from './orders';
import type { BigCommerceSandboxState, ProductSpec } from './state';

const DAY = 86_400_000;

const CATALOG: ProductSpec[] = [
  { name: 'Trail Runner 2 Tent', sku: 'TENT-TR2', price: 249, costPrice: 140, description: '<p>Two-person, three-season backpacking tent.</p>' },
  {
    name: 'Alpine Down Jacket',
    sku: 'JKT-ALP',
    price: 189.99,
    costPrice: 95,
    variants: [
      { sku: 'JKT-ALP-S', options: { Size: 'Small' } },
      { sku: 'JKT-ALP-M', options: { Size: 'Medium' } },
      { sku: 'JKT-ALP-L', price: 199.99, options: { Size: 'Large' } },
    ],
  },
  {
    name: 'Merino Hiking Socks',
    sku: 'SOCK-MER',
    price: 18.5,
    variants: [
      { sku: 'SOCK-MER-M', options: { Size: 'M' } },
      { sku: 'SOCK-MER-L', options: { Size: 'L' } },
    ],
  },
  { name: 'Insulated Water Bottle 1L', sku: 'BTL-1L', price: 32, salePrice: 28 },
  { name: 'Headlamp 400', sku: 'LAMP-400', price: 44.95 },
  { name: 'Trekking Poles (pair)', sku: 'POLE-TRK', price: 89 },
  { name: 'Trail Map Download', sku: 'MAP-DL', price: 9.99, type: 'digital' },
  {
    name: 'Camp Stove',
    sku: 'STOVE-CMP',
    price: 64.5,
    variants: [
      { sku: 'STOVE-CMP-BUT', options: { Fuel: 'Butane' } },
      { sku: 'STOVE-CMP-MF', price: 79.5, options: { Fuel: 'Multi-fuel' } },
    ],
  },
];

const ISO2: Record<string, string> = { Canada: 'CA', 'United States': 'US', Germany: 'DE', France: 'FR', Ireland: 'IE' };

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** A follow-up event `days` after the order, never after `now`. */
function later(createdMs: number, days: number, nowMs: number): number {
  return Math.min(createdMs + days * DAY, nowMs - 1000);
}

export function seedStore(state: BigCommerceSandboxState, hash: string, seed: number, orderCount: number): void {
  const rng = new Prng(seed);
  const now = state.now();
  const start = now - 60 * DAY;

  const products = CATALOG.map((p, i) => state.createProduct(hash, { ...p, createdMs: start - (120 - i) * DAY }));
  const customerIds: number[] = [];
  for (let i = 0; i < 12; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const place = rng.pick(PLACES);
    const c = state.createCustomer(hash, {
      email: `${ascii(first)}.${ascii(last)}${i}@example.com`,
      firstName: first,
      lastName: last,
      ...(rng.chance(0.3) ? { company: `${last} Outfitters` } : {}),
      phone: `+1 555 01${String(rng.int(10, 99))}`,
      address: {
        address1: `${rng.int(1, 999)} ${rng.pick(STREETS)}`,
        city: place.city,
        state_or_province: place.province,
        postal_code: place.code,
        country_code: ISO2[place.country] ?? 'US',
      },
      ...(i === 3 ? { storeCredit: 40 } : {}),
      createdMs: start - (90 - i * 5) * DAY,
    });
    customerIds.push(c.id as number);
  }

  /** An order line from catalog entry `p` (a variant chosen by `v` when it has options). */
  const line = (p: number, quantity = 1, v = 0): OrderLineSpec => {
    const prod = products[p]! as { id: number; name: string; price: number; variants: { id: number; sku: string; price: number | null; option_values: unknown[] }[] };
    const variant = prod.variants[Math.min(v, prod.variants.length - 1)]!;
    return { productId: prod.id, variantId: variant.id, name: prod.name, sku: variant.sku, price: variant.price ?? prod.price, quantity, type: CATALOG[p]!.type ?? 'physical' };
  };
  const cust = () => rng.pick(customerIds);
  const usTax = { taxRate: 8.875, taxName: 'NY Sales Tax' };
  const vat = { taxInclusive: true, taxRate: 20, taxName: 'VAT' };

  type Special = { spec: OrderSpec; after?: (id: number, createdMs: number) => void };
  const specials: Special[] = [
    { spec: { customerId: cust(), statusId: 11, lines: [line(0), line(4, 2)], shipping: 9.95, ...usTax } },
    {
      spec: { customerId: cust(), statusId: 10, lines: [line(1, 1, 1), line(2, 3, 0), line(3, 2)], ...vat, shipping: 7.5, handling: 2, wrapping: 3.5, coupon: { code: 'SPRING10', amount: 10 }, manualDiscount: 5, shippingMethod: 'UPS Ground' },
    },
    { spec: { customerId: cust(), statusId: 2, lines: [line(5)], shipping: 12, payment: 'auth_capture', gateway: 'braintree', ...usTax } },
    { spec: { customerId: cust(), statusId: 3, lines: [line(0), line(7, 1, 1)], shipping: 15, ...usTax } },
    { spec: { customerId: cust(), statusId: 8, lines: [line(7, 1, 0)], shippingMethod: 'Pickup In Store', ...usTax } },
    { spec: { customerId: cust(), statusId: 9, lines: [line(4), line(2, 2, 1)], shipping: 5.99, gateway: 'braintree', ...usTax } },
    { spec: { customerId: cust(), statusId: 1, lines: [line(3)], shipping: 5.99, ...usTax } },
    { spec: { customerId: cust(), statusId: 7, lines: [line(1, 1, 2)], shipping: 9.95, ...usTax } },
    { spec: { customerId: cust(), statusId: 7, lines: [line(5), line(4)], shipping: 9.95, payment: 'offline_pending', ...usTax } },
    { spec: { customerId: cust(), statusId: 6, lines: [line(0)], shipping: 9.95, ...usTax } },
    { spec: { customerId: cust(), statusId: 5, lines: [line(1, 2, 0)], shipping: 9.95, ...usTax } },
    { spec: { statusId: 0, lines: [line(4)], shipping: 5.99, ...usTax } },
    {
      spec: { customerId: cust(), statusId: 10, lines: [line(0), line(3)], shipping: 9.95, ...usTax },
      after: (id, at) => state.addRefund(hash, id, { reason: 'Returned unused', createdMs: later(at, 6, now) }),
    },
    {
      spec: { customerId: cust(), statusId: 10, lines: [line(2, 4, 1), line(4)], shipping: 5.99, ...usTax },
      after: (id, at) => {
        const o = state.orderRecord(hash, id)!;
        state.addRefund(hash, id, { items: [{ item_type: 'PRODUCT', item_id: o.lines[0]!.id, quantity: 2 }], reason: 'Wrong size', createdMs: later(at, 4, now) });
      },
    },
    {
      // Refunded outside BigCommerce (unsupported gateway): status 4, no refund record (reference §3).
      spec: { customerId: cust(), statusId: 10, lines: [line(6, 3)], gateway: 'squarev2', ...usTax },
      after: (id, at) => state.setOrderStatus(hash, id, 4, later(at, 5, now)),
    },
    { spec: { statusId: 11, lines: [line(3), line(6)], shipping: 5.99, billing: { first_name: 'Robin', last_name: 'Guestly', email: 'robin.guest@example.net' }, ...usTax } },
    {
      spec: { customerId: cust(), statusId: 10, lines: [line(0), { productId: 0, name: 'Custom Tent Footprint (cut to order)', sku: 'CUSTOM-FOOT', price: 38 }], shipping: 9.95, ...usTax },
    },
    { spec: { customerId: cust(), statusId: 11, lines: [line(1, 1, 0)], shipping: 9.95, giftCertificate: 50, ...usTax } },
    {
      spec: { customerId: cust(), statusId: 11, lines: [line(0), line(5)], ...vat, shipping: 14, currency: 'EUR', storeToTransactionalRate: 0.92, billing: { city: 'Berlin', state: 'Berlin', zip: '10115', country: 'Germany', country_iso2: 'DE' } },
    },
    {
      // Display-only currency: shopper saw CAD, paid (and amounts are) in USD (quirk 4).
      spec: { customerId: cust(), statusId: 10, lines: [line(4, 2)], shipping: 7.5, displayCurrency: 'CAD', displayRate: 1.35, billing: { city: 'Toronto', state: 'Ontario', zip: 'M5V 2T6', country: 'Canada', country_iso2: 'CA' } },
    },
    { spec: { customerId: cust(), statusId: 10, lines: [{ productId: 0, name: '$50 Gift Certificate', type: 'giftcertificate', price: 50 }] } },
    { spec: { customerId: customerIds[3]!, statusId: 9, lines: [line(3), line(4)], shipping: 5.99, storeCredit: 40, ...usTax } },
    { spec: { customerId: cust(), statusId: 10, lines: [line(6, 2)], ...usTax } },
    { spec: { customerId: cust(), statusId: 12, lines: [line(1, 3, 1)], shipping: 19.95, ...usTax } },
  ];

  const plan: Special[] = specials.slice(0, orderCount);
  while (plan.length < orderCount) {
    const statusId = rng.weighted<number>([[11, 5], [10, 6], [2, 3], [9, 2], [1, 1], [7, 1], [0, 1], [5, 1]]);
    const lines = Array.from({ length: rng.int(1, 3) }, () => {
      const p = rng.int(0, CATALOG.length - 1);
      return line(p, rng.int(1, 3), rng.int(0, 2));
    });
    const inclusive = rng.chance(0.2);
    plan.push({
      spec: {
        ...(rng.chance(0.85) ? { customerId: cust() } : {}),
        statusId,
        lines,
        shipping: lines.some((l) => l.type === 'physical') ? rng.pick([0, 5.99, 9.95, 14.5]) : 0,
        ...(inclusive ? vat : usTax),
        ...(rng.chance(0.2) && lines.reduce((a, l) => a + l.price * (l.quantity ?? 1), 0) > 60 ? { coupon: { code: 'TRAIL15', amount: 15 } } : {}),
        ...(rng.chance(0.3) && [2, 9, 10, 11].includes(statusId) ? { payment: 'auth_capture' as const } : {}),
        gateway: rng.pick(['stripe', 'braintree', 'authorizenet'] as const),
      },
    });
  }
  // Interleave the special cases with the rest, then place orders in time so ids ascend with date_created.
  for (let i = plan.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  const span = 50 * DAY;
  plan.forEach((p, i) => {
    const createdMs = start + Math.floor((span * i) / Math.max(1, plan.length)) + rng.int(0, 3_600) * 1000;
    const o = state.createOrder(hash, { ...p.spec, createdMs });
    p.after?.(o.id as number, createdMs);
  });
}
