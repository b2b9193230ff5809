/**
 * BigCommerce money as exact integers: v2 sends 4-decimal strings ("12.3400"), v3 floats (12.34). Both
 * become ten-thousandths in a bigint, so sums never drift; FreshBooks takes 2 decimals, so conversion
 * to cents rounds half away from zero once, at the edge.
 */
export type Micros = bigint; // 1/10,000 of a currency unit

export function toMicros(value: unknown): Micros {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a money amount: ${value}`);
    return BigInt(Math.round(value * 10_000));
  }
  if (typeof value !== 'string') return 0n;
  const m = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/.exec(value);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a money amount: ${JSON.stringify(value)}`);
  const frac = (m[3] ?? '').padEnd(5, '0');
  // One digit beyond 4 decides the rounding of a longer fraction.
  let units = BigInt(m[2] || '0') * 10_000n + BigInt(frac.slice(0, 4));
  if (Number(frac[4]) >= 5) units += 1n;
  return m[1] ? -units : units;
}

/** Rounded to cents, half away from zero, as FreshBooks' `{amount: "12.34"}` text. */
export function microsToAmount(v: Micros): string {
  const cents = roundToCents(v);
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Cents as micros (a multiple of 100). */
export function roundToCents(v: Micros): bigint {
  const abs = v < 0n ? -v : v;
  const cents = (abs + 50n) / 100n;
  return v < 0n ? -cents : cents;
}

export function centsToMicros(cents: bigint): Micros {
  return cents * 100n;
}
