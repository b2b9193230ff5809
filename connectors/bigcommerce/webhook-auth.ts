/**
 * Is a BigCommerce delivery ours (reference/bigcommerce.md §5 "Authenticity")? The custom header given
 * when the hook was created comes back on every delivery, so it is always required. Where a delivery also
 * carries a Standard Webhooks signature and we hold the API account's client secret, that must check out
 * too: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{raw body}", keyed with the client secret's bytes
 * (BigCommerce's samples hand base64(client_secret) to the standardwebhooks library, which decodes it),
 * with a timestamp within 5 minutes. Which accounts sign is unverified, so an unsigned delivery with the
 * right header is accepted. The `hash` field is a dedupe aid, not a signature (quirk 8).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_SEC = 5 * 60;

/** The custom header our hooks are created with; BigCommerce sends it back on every delivery. */
export const HOOK_SECRET_HEADER = 'X-Hook-Secret';

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignatureHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

/** Checks every `v1,` signature in the header (senders rotate keys by listing several). */
export function verifyStandardWebhook(clientSecret: string, h: SignatureHeaders, rawBody: string, nowSec = Math.floor(Date.now() / 1000)): boolean {
  if (!h.id || !h.timestamp || !h.signature) return false;
  const ts = Number(h.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSec - ts) > TOLERANCE_SEC) return false;
  const expected = createHmac('sha256', Buffer.from(clientSecret, 'utf8')).update(`${h.id}.${ts}.${rawBody}`).digest();
  return h.signature.split(' ').some((part) => {
    const [version, sig] = part.split(',', 2);
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
