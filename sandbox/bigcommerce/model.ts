/** In-memory records of the BigCommerce sandbox. Money is integer cents, instants are epoch ms. */

/** Status ids and their system labels (reference §2). 14 is Partially Refunded. */
export const ORDER_STATUSES: Readonly<Record<number, string>> = {
  0: 'Incomplete',
  1: 'Pending',
  2: 'Shipped',
  3: 'Partially Shipped',
  4: 'Refunded',
  5: 'Cancelled',
  6: 'Declined',
  7: 'Awaiting Payment',
  8: 'Awaiting Pickup',
  9: 'Awaiting Shipment',
  10: 'Completed',
  11: 'Awaiting Fulfillment',
  12: 'Manual Verification Required',
  13: 'Disputed',
  14: 'Partially Refunded',
};

/** BigCommerce's own "paid" set. */
export const PAID_STATUSES: readonly number[] = [2, 3, 8, 9, 10, 11];

export interface Address {
  first_name: string;
  last_name: string;
  company: string;
  street_1: string;
  street_2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  country_iso2: string;
  phone: string;
  email: string;
}

/** One taxable charge in the three forms BigCommerce reports it. */
export interface Charge {
  /** What the merchant entered, in the store's pricing basis. */
  base: number;
  ex: number;
  inc: number;
  tax: number;
}

export interface AppliedDiscount {
  id: string;
  /** Inc-tax amount taken off this line. */
  amount: number;
  /** Tax inside `amount`. */
  tax: number;
  name: string;
  code: string | null;
  target: 'order' | 'product';
}

export interface OrderLine {
  id: number;
  productId: number;
  variantId: number;
  name: string;
  sku: string;
  type: 'physical' | 'digital' | 'giftcertificate';
  quantity: number;
  unit: Charge;
  total: Charge;
  discounts: AppliedDiscount[];
  quantityRefunded: number;
}

export type TxEvent = 'purchase' | 'authorization' | 'capture' | 'refund' | 'void' | 'pending' | 'settled';

export interface Transaction {
  id: number;
  orderId: number;
  event: TxEvent;
  method: string;
  amount: number;
  currency: string;
  gateway: string;
  gatewayTransactionId: string;
  paymentMethodId: string;
  status: 'ok' | 'error';
  test: boolean;
  fraudReview: boolean;
  referenceTransactionId: number | null;
  createdMs: number;
  /** Card, gift certificate, store credit or offline details, per method. */
  detail: Record<string, unknown>;
}

export type RefundItemType = 'PRODUCT' | 'GIFT_WRAPPING' | 'SHIPPING' | 'HANDLING' | 'ORDER' | 'FEE' | 'TAX';

export interface RefundItem {
  item_type: RefundItemType;
  item_id: number;
  quantity: number | null;
  requestedCents: number | null;
}

export interface RefundPayment {
  id: number;
  providerId: string;
  amount: number;
  offline: boolean;
  isDeclined: boolean;
  declinedMessage: string;
  transactionId: number | null;
}

export interface Refund {
  id: number;
  orderId: number;
  userId: number;
  createdMs: number;
  reason: string;
  totalAmount: number;
  totalTax: number;
  items: RefundItem[];
  payments: RefundPayment[];
}

export interface Coupon {
  id: number;
  couponId: number;
  code: string;
  /** BC coupon type 0–5; the sandbox uses 2 (per_total_discount). */
  type: number;
  /** Inc-tax discount this coupon gave. */
  discount: number;
}

export interface OrderRec {
  id: number;
  customerId: number;
  createdMs: number;
  modifiedMs: number;
  shippedMs: number | null;
  statusId: number;
  taxInclusive: boolean;
  /** Percent, e.g. 8.875. */
  taxRate: number;
  taxName: string;
  lines: OrderLine[];
  shipping: Charge;
  handling: Charge;
  wrapping: Charge;
  /** Manual (order-level) discount and coupon discount, inc tax, as `discount_amount` / `coupon_discount`. */
  discount: number;
  couponDiscount: number;
  coupons: Coupon[];
  subtotal: Charge;
  total: Charge;
  billing: Address;
  shippingAddress: (Address & { id: number; method: string }) | null;
  paymentMethod: string;
  paymentProviderId: string;
  paymentStatus: string;
  giftCertificateAmount: number;
  storeCreditAmount: number;
  /** Display currency (`currency_code`). */
  displayCurrency: string;
  /** Transactional currency (`default_currency_code`): the one the amounts are in. */
  currency: string;
  displayRate: string;
  storeToTransactionalRate: string;
  channelId: number;
  orderSource: string;
  customerMessage: string;
  staffNotes: string;
  transactions: Transaction[];
  refunds: Refund[];
}

export interface CustomerAddress {
  id: number;
  first_name: string;
  last_name: string;
  company: string;
  address1: string;
  address2: string;
  city: string;
  state_or_province: string;
  postal_code: string;
  country_code: string;
  phone: string;
  address_type: 'residential' | 'commercial';
}

export interface CustomerRec {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  phone: string;
  notes: string;
  customerGroupId: number;
  createdMs: number;
  modifiedMs: number;
  addresses: CustomerAddress[];
  storeCredit: number;
}

export interface VariantRec {
  id: number;
  productId: number;
  sku: string;
  /** null inherits the product price. */
  price: number | null;
  salePrice: number | null;
  optionValues: { id: number; option_id: number; label: string; option_display_name: string }[];
  inventory: number;
}

export interface ProductRec {
  id: number;
  name: string;
  type: 'physical' | 'digital';
  sku: string;
  description: string;
  price: number;
  costPrice: number;
  retailPrice: number;
  salePrice: number;
  taxClassId: number;
  productTaxCode: string;
  isVisible: boolean;
  createdMs: number;
  modifiedMs: number;
  variants: VariantRec[];
}

export interface HookRec {
  id: number;
  storeHash: string;
  clientId: string;
  scope: string;
  destination: string;
  headers: Record<string, string>;
  isActive: boolean;
  createdAt: number;
  updatedAt: number;
}
