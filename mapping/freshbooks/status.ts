/**
 * FreshBooks numeric status codes -> readable names, so warehouse users filter on 'paid' rather than 4.
 * Invoice codes live in common/ (shared with the API client); expense codes are only needed here.
 */
import { INVOICE_STATUS } from '../../common/freshbooks-entities';

export { INVOICE_STATUS };

/**
 * Expense `status` (reference/freshbooks.md §3). Recouped is 4 per the docs; the Node SDK says 3, which
 * the reference calls a bug, so 3 is deliberately left unnamed rather than guessed.
 */
export const EXPENSE_STATUS: Record<number, string> = { 0: 'internal', 1: 'outstanding', 2: 'invoiced', 4: 'recouped' };

/** Name for a code, or null for a code we do not know (status_code still carries it). */
export function statusName(names: Record<number, string>, code: number | string | null): string | null {
  if (typeof code !== 'number') return null;
  return Object.prototype.hasOwnProperty.call(names, code) ? names[code] : null;
}
