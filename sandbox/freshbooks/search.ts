/**
 * Field filters for look-up-before-create (reference/freshbooks.md §4 "Search"): `search[f]=v` equals and
 * `search[f_like]=v` contains. Only the fields listed here are filterable; other `search[…]` keys are ignored,
 * as before (updated_min/updated_max/vis_state are handled in query.ts).
 *
 * [unverified] The reference documents the operators but not each resource's filter names (§9.10: "check the
 * filter name on FB:invoices"). The names below follow the field names FreshBooks renders:
 * - invoices: `invoice_number` (look up by our own number before creating), `customerid`, `po_number`;
 * - clients: `email`, `organization`, `fname`, `lname`;
 * - items: `name`, `sku`;
 * - payments: `invoiceid`, `clientid`, `transactionid`;
 * - credit notes: `credit_number`, `clientid`, `notes`, `description`.
 * Equality is exact, except email which compares case-insensitively [unverified]; `_like` is a
 * case-insensitive substring match [unverified].
 */
import type { ClientRec, InvoiceRec, ItemRec, PaymentRec } from './model';

type Getter<R> = (r: R) => string;

export type FilterFields<R> = Record<string, Getter<R>>;

export const INVOICE_FILTERS: FilterFields<InvoiceRec> = {
  invoice_number: (r) => r.num,
  customerid: (r) => String(r.client),
  po_number: (r) => r.po ?? '',
};

export const CLIENT_FILTERS: FilterFields<ClientRec> = {
  email: (r) => r.email,
  organization: (r) => r.org,
  fname: (r) => r.fname,
  lname: (r) => r.lname,
};

export const ITEM_FILTERS: FilterFields<ItemRec> = {
  name: (r) => r.name,
  sku: (r) => r.sku,
};

export const PAYMENT_FILTERS: FilterFields<PaymentRec> = {
  invoiceid: (r) => String(r.inv),
  clientid: (r) => String(r.client),
  transactionid: (r) => {
    const t = r.extra?.transactionid;
    return typeof t === 'string' || typeof t === 'number' ? String(t) : '';
  },
};

const CASE_INSENSITIVE_EQ = new Set(['email']);

/** The predicate for the `search[…]` keys in `params` that `fields` knows, or undefined when none apply. */
export function fieldPredicate<R>(fields: FilterFields<R> | undefined, params: URLSearchParams): ((r: R) => boolean) | undefined {
  if (!fields) return undefined;
  const tests: Array<(r: R) => boolean> = [];
  for (const [key, raw] of params) {
    const m = /^search\[([a-z0-9_]+)\]$/.exec(key);
    if (!m) continue;
    const name = m[1]!;
    const value = raw.trim();
    const eq = fields[name];
    if (eq) {
      if (CASE_INSENSITIVE_EQ.has(name)) {
        const v = value.toLowerCase();
        tests.push((r) => eq(r).toLowerCase() === v);
      } else {
        tests.push((r) => eq(r) === value);
      }
      continue;
    }
    const like = name.endsWith('_like') ? fields[name.slice(0, -'_like'.length)] : undefined;
    if (like) {
      const v = value.toLowerCase();
      tests.push((r) => like(r).toLowerCase().includes(v));
    }
  }
  if (tests.length === 0) return undefined;
  return (r) => tests.every((t) => t(r));
}
