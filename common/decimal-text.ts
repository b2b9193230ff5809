/**
 * Exact decimal arithmetic on decimal strings (money is never a float): sums and one canonical spelling,
 * so "12.50" from one system and "12.5" from another compare equal.
 */
interface Scaled { units: bigint; scale: number }

function parseDecimal(text: string): Scaled {
  const t = text.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  const units = BigInt(`${m[2] || '0'}${frac}`) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: frac.length };
}

function rescale(d: Scaled, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** The sum of decimal strings, as a decimal string without trailing fractional zeros ("12.50" + "1" = "13.5"). */
export function addDecimals(values: Iterable<string>): string {
  let scale = 0;
  const parsed: Scaled[] = [];
  for (const v of values) {
    const d = parseDecimal(v);
    parsed.push(d);
    scale = Math.max(scale, d.scale);
  }
  const total = parsed.reduce((sum, d) => sum + rescale(d, scale), 0n);
  return formatDecimal(total, scale);
}

/** One spelling per value: "1.50", "1.5" and "+1.500" all read "1.5"; "-0" reads "0". */
export function normaliseDecimal(text: string): string {
  const d = parseDecimal(text);
  return formatDecimal(d.units, d.scale);
}

function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let frac = scale > 0 ? digits.slice(-scale) : '';
  digits = scale > 0 ? digits.slice(0, -scale) : digits;
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${digits}.${frac}` : digits;
  return negative && body !== '0' ? `-${body}` : body;
}

