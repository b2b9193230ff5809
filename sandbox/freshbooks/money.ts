/**
 * Money the way FreshBooks writes it: `{"amount":"12.50","code":"USD"}` with a decimal string (§7), computed
 * in integer cents so totals in the sandbox are exact and the ground truth can be compared to the cent.
 */
import type { Tax } from './model';

export interface Money {
  amount: string;
  code: string;
}

export function centsToString(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function money(cents: number, code: string): Money {
  return { amount: centsToString(cents), code };
}

/** Accepts `{amount:"12.5"}`, `"12.50"` or `12.5`; returns cents, or undefined if it is not money. */
export function parseCents(value: unknown): number | undefined {
  const raw = typeof value === 'object' && value !== null ? (value as { amount?: unknown }).amount : value;
  if (typeof raw === 'number' && Number.isFinite(raw)) return Math.round(raw * 100);
  if (typeof raw !== 'string' || !/^-?\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  const [whole, frac = ''] = raw.trim().replace('-', '').split('.');
  const cents = Number(whole) * 100 + Math.round(Number(`0.${frac || '0'}`) * 100);
  return raw.trim().startsWith('-') ? -cents : cents;
}

/** Line amount = qty × unit cost, qty in hundredths, rounded half up to the cent. */
export function lineCents(qtyHundredths: number, unitCents: number): number {
  return Math.round((qtyHundredths * unitCents) / 100);
}

/** Tax on an amount, per line, rounded to the cent. */
export function taxCents(amountCents: number, tax: Tax | undefined): number {
  return tax ? Math.round((amountCents * tax.milli) / 100_000) : 0;
}

/** The tax already inside a tax-inclusive total (expenses). */
export function includedTaxCents(totalCents: number, tax: Tax | undefined): number {
  return tax ? Math.round((totalCents * tax.milli) / (100_000 + tax.milli)) : 0;
}

/** 150 → "1.5", 100 → "1": FreshBooks sends quantities as minimal decimal strings. */
export function qtyString(hundredths: number): string {
  const s = (hundredths / 100).toFixed(2);
  return s.replace(/\.?0+$/, '');
}

export function parseQtyHundredths(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : undefined;
}

/** Taxes used on documents, shared by every account in one sandbox so lines can refer to them by index. */
export class TaxTable {
  readonly taxes: Tax[] = [];

  constructor(initial: ReadonlyArray<readonly [string, string]>) {
    for (const [name, pct] of initial) this.indexOf(name, pct);
  }

  get(index: number): Tax | undefined {
    return index >= 0 ? this.taxes[index] : undefined;
  }

  /** Index of this name+percent, added if new. Percent must be a decimal string (errno 1018 otherwise). */
  indexOf(name: string, pct: string): number {
    const found = this.taxes.findIndex((t) => t.name === name && t.pct === pct);
    if (found >= 0) return found;
    const milli = Math.round(Number(pct) * 1000);
    if (!Number.isFinite(milli) || milli < 0) throw new RangeError(`tax percent must be a decimal string, got ${pct}`);
    this.taxes.push({ name, pct, milli });
    return this.taxes.length - 1;
  }
}
