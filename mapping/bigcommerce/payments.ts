/**
 * BigCommerce tenders and refunds → what FreshBooks records (reference/bigcommerce.md §3, §9). Gift
 * certificates and store credit are tenders, so they are payments of their own, never discounts.
 */
import { microsToAmount, toMicros } from './money';
import { capturedTransactions, type BcTransaction } from './paid-gate';

/** FreshBooks payment `type` values (reference/freshbooks.md §4, Payments). */
export type FreshBooksPaymentType = 'Credit Card' | 'PayPal' | 'Bank Transfer' | 'Check' | 'Cash' | 'Other';

const CARD_METHODS = new Set(['credit_card', 'apple_pay_card', 'apple_pay_token', 'bigpay_token', 'token', 'nonce']);
const OFFLINE_GATEWAYS: Record<string, FreshBooksPaymentType> = { bankdeposit: 'Bank Transfer', cheque: 'Check', cod: 'Cash' };

export function paymentType(t: { method?: string; gateway?: string }): FreshBooksPaymentType {
  const method = t.method ?? '';
  const gateway = (t.gateway ?? '').toLowerCase();
  if (gateway.startsWith('paypal')) return 'PayPal';
  if (CARD_METHODS.has(method)) return 'Credit Card';
  return OFFLINE_GATEWAYS[gateway] ?? 'Other';
}

export function tenderLabel(t: { method?: string; gateway?: string }): string {
  if (t.method === 'gift_certificate') return 'gift certificate';
  if (t.method === 'store_credit') return 'store credit';
  return [t.method, t.gateway].filter(Boolean).join(' via ') || 'payment';
}

export interface CaptureLine {
  transactionId: string;
  amount: string;
  currency: string;
  method: string;
  gateway?: string;
  date: string;
}

/** One FreshBooks payment per successful purchase/capture, oldest first. */
export function capturesToRecord(transactions: readonly (BcTransaction & { date_created?: string })[], currency: string): CaptureLine[] {
  return capturedTransactions(transactions)
    .map((t) => ({
      transactionId: String(t.id),
      amount: microsToAmount(toMicros(t.amount)),
      currency: t.currency || currency,
      method: t.method ?? 'unknown',
      ...(t.gateway ? { gateway: t.gateway } : {}),
      date: (t.date_created ?? '').slice(0, 10),
    }))
    .sort((a, b) => Number(a.transactionId) - Number(b.transactionId));
}

export interface BcRefund {
  id: number;
  created?: string;
  reason?: string;
  total_amount: number | string;
  total_tax?: number | string;
  payments?: { amount?: number | string; is_declined?: boolean }[];
}

export interface RefundLine {
  refundId: number;
  amount: string;
  tax: string;
  currency: string;
  date: string;
  reason?: string;
  declined: boolean;
}

/** Refunds in the order BigCommerce made them (ids ascend), each once. */
export function refundsToApply(refunds: readonly BcRefund[], currency: string): RefundLine[] {
  return [...refunds]
    .sort((a, b) => a.id - b.id)
    .map((r) => {
      const pays = r.payments ?? [];
      return {
        refundId: r.id,
        amount: microsToAmount(toMicros(r.total_amount)),
        tax: microsToAmount(toMicros(r.total_tax ?? 0)),
        currency,
        date: (r.created ?? '').slice(0, 10),
        ...(r.reason ? { reason: r.reason } : {}),
        declined: pays.length > 0 && pays.every((p) => p.is_declined === true),
      };
    });
}
