/**
 * FreshBooks webhook signature (reference/freshbooks.md §5 and quirk §9.1).
 *
 * FreshBooks does not sign the bytes it sends. It signs Python's `json.dumps({k: str(v) for k, v in
 * form.items()})` of the form fields, keyed by the callback's verifier. A receiver therefore has to rebuild
 * that exact text from the urlencoded body: same fields, same order, same escaping. Any difference in one
 * character gives a different MAC and a rejected (or, with a sloppier check, an unchecked) delivery.
 * `JSON.stringify` looks close but is not the same: it uses no spaces after separators, keeps non-ASCII and
 * DEL raw, and a plain `URLSearchParams` walk keeps repeated keys that a Python dict folds together.
 *
 * Test vectors come from real Python: test/unit/connectors/vectors/freshbooks_webhook_vectors.py.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Python's `json.dumps` string literal with the default `ensure_ascii=True`. Written out by hand, not
 * patched onto JSON.stringify: Python escapes every code unit outside printable ASCII, DEL (0x7f) included,
 * which JSON.stringify leaves raw. Working per UTF-16 code unit gives astral characters as a surrogate pair
 * (😀 → \ud83d\ude00), just like CPython's encoder.
 */
function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

/**
 * A delivery's form exactly as FreshBooks signs it: the fields of the Python dict, and any key the body
 * repeated. The signature covers only this view, so a receiver must act on this view too (or refuse a
 * repeated key): reading the first `name=` of `name=client.delete&name=invoice.create` would act on a
 * value the signature never covered.
 */
export interface FreshBooksWebhookForm {
  fields: ReadonlyMap<string, string>;
  repeatedKeys: string[];
}

/**
 * Decoding follows URLSearchParams ('+' is a space, %XX is decoded as UTF-8 with U+FFFD for bad bytes),
 * which matches Python's `parse_qsl(..., keep_blank_values=True)` with one exception handled here:
 * URLSearchParams drops a leading '?', whereas parse_qsl keeps it as part of the first key. A leading '&'
 * is an empty pair both sides skip, so prefixing one turns off the '?' stripping without changing anything
 * else.
 *
 * A Map mirrors a dict: re-setting a key keeps its first position and takes the last value.
 */
export function parseFreshBooksWebhookForm(rawBody: string): FreshBooksWebhookForm {
  const fields = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [k, v] of new URLSearchParams(`&${rawBody}`)) {
    if (fields.has(k)) repeated.add(k);
    fields.set(k, v);
  }
  return { fields, repeatedKeys: [...repeated] };
}

const formOf = (body: string | FreshBooksWebhookForm) => (typeof body === 'string' ? parseFreshBooksWebhookForm(body) : body);

/** The exact text FreshBooks HMACs for this urlencoded body (Python `json.dumps` default separators). */
export function freshbooksSignatureMessage(body: string | FreshBooksWebhookForm): string {
  const parts: string[] = [];
  for (const [k, v] of formOf(body).fields) parts.push(`${pythonJsonString(k)}: ${pythonJsonString(v)}`);
  return `{${parts.join(', ')}}`;
}

/** base64 HMAC-SHA256 of the signature message, keyed by the verifier: the `X-FreshBooks-Hmac-SHA256` value. */
export function signFreshBooksWebhook(body: string | FreshBooksWebhookForm, verifier: string): string {
  // An empty key would make a "signature" anyone can compute; this is always a missing-verifier bug upstream.
  if (verifier === '') throw new TypeError('FreshBooks webhook verifier must not be empty');
  return createHmac('sha256', Buffer.from(verifier, 'utf8'))
    .update(freshbooksSignatureMessage(body), 'utf8')
    .digest('base64');
}

/**
 * True only when the header is exactly the signature FreshBooks would send for this body and verifier.
 * Anything else (no header, garbage, wrong length, no verifier stored yet) is just "not valid", never an
 * exception, so a caller can answer 401 without a try/catch. The header is compared as the canonical
 * base64 text rather than decoded first: decoders accept variants (missing padding, stray characters), and
 * nothing but the exact string FreshBooks' Python `b64encode` produces needs to pass.
 */
export function verifyFreshBooksWebhook(body: string | FreshBooksWebhookForm, signatureHeader: string | undefined, verifier: string): boolean {
  if (typeof signatureHeader !== 'string' || verifier === '') return false;
  const received = Buffer.from(signatureHeader.trim(), 'utf8');
  const expected = Buffer.from(signFreshBooksWebhook(body, verifier), 'ascii');
  // timingSafeEqual throws on unequal lengths; the length of a SHA-256 MAC in base64 is public anyway.
  if (received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}
