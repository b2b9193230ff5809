/**
 * Parsing and validation of Google service-account JSON keys.
 *
 * Keys reach us through env vars and secret stores, which mangle them in well-known ways
 * (destinations.md A1 / A9-1): literal "\n" instead of newlines (sometimes escaped twice),
 * or the whole file base64-encoded. We normalise those, then prove the PEM really loads with
 * crypto.createPrivateKey() so a bad key fails at startup with a precise message instead of
 * an opaque OpenSSL DECODER error at the first token exchange.
 *
 * Error messages must never contain key material: we never echo input text, JSON.parse
 * messages (V8 may quote the offending input) or OpenSSL messages, only our own wording.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

export interface ServiceAccountKey {
  client_email: string;
  /** PEM with real newlines (already normalised). */
  private_key: string;
  private_key_id?: string;
  project_id?: string;
  token_uri?: string;
}

export class InvalidServiceAccountKeyError extends Error {
  override readonly name = 'InvalidServiceAccountKey';
  constructor(readonly problem: string) {
    super(`Invalid Google service account key: ${problem}`);
  }
}

export function parseServiceAccountKey(input: string | object): ServiceAccountKey {
  const raw = typeof input === 'string' ? decodeKeyText(input) : input;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidServiceAccountKeyError('key must be a JSON object');
  }
  const obj = raw as Record<string, unknown>;

  if (obj.type !== undefined && obj.type !== 'service_account') {
    throw new InvalidServiceAccountKeyError(
      `"type" is ${JSON.stringify(String(obj.type)).slice(0, 40)}, expected "service_account" (user or external-account credentials cannot sign JWTs)`,
    );
  }
  const clientEmail = requireString(obj, 'client_email');
  if (!/^[^@\s]+@[^@\s]+$/.test(clientEmail)) {
    throw new InvalidServiceAccountKeyError('client_email is not an email address');
  }
  const privateKey = normalisePem(requireString(obj, 'private_key'));
  assertUsableRsaPrivateKey(privateKey);

  const key: ServiceAccountKey = { client_email: clientEmail, private_key: privateKey };
  const privateKeyId = optionalString(obj, 'private_key_id');
  const projectId = optionalString(obj, 'project_id');
  const tokenUri = optionalString(obj, 'token_uri');
  if (privateKeyId !== undefined) key.private_key_id = privateKeyId;
  if (projectId !== undefined) key.project_id = projectId;
  if (tokenUri !== undefined) {
    if (!/^https?:\/\//.test(tokenUri)) throw new InvalidServiceAccountKeyError('token_uri is not an http(s) URL');
    key.token_uri = tokenUri;
  }
  return key;
}

/** Loads the (already validated) PEM as a KeyObject; used by the signer. */
export function loadPrivateKey(key: ServiceAccountKey): KeyObject {
  return assertUsableRsaPrivateKey(key.private_key);
}

function decodeKeyText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidServiceAccountKeyError('key text is empty');
  if (trimmed.startsWith('{')) return parseJson(trimmed, 'key is not valid JSON');

  // Anything else must be base64 (standard or URL-safe, possibly wrapped across lines).
  const compact = trimmed.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw new InvalidServiceAccountKeyError('key is neither JSON nor base64-encoded JSON');
  }
  const decoded = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64')
    .toString('utf8')
    .trim();
  if (!decoded.startsWith('{')) {
    throw new InvalidServiceAccountKeyError('key looks like base64 but does not decode to a JSON object');
  }
  return parseJson(decoded, 'base64-decoded key is not valid JSON');
}

function parseJson(text: string, problem: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Only the position is safe to repeat; some V8 versions quote the input in the message.
    const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new InvalidServiceAccountKeyError(position ? `${problem} (syntax error at position ${position})` : problem);
  }
}

function requireString(obj: Record<string, unknown>, field: string): string {
  const value = obj[field];
  if (value === undefined || value === null || value === '') throw new InvalidServiceAccountKeyError(`missing ${field}`);
  if (typeof value !== 'string') throw new InvalidServiceAccountKeyError(`${field} must be a string, got ${typeof value}`);
  return value;
}

function optionalString(obj: Record<string, unknown>, field: string): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidServiceAccountKeyError(`${field} must be a string, got ${typeof value}`);
  return value;
}

/** Undo env-var escaping: "\\n" (any number of backslashes) → newline, CRLF → LF. */
function normalisePem(pem: string): string {
  let out = pem;
  // Repeated because some platforms escape twice ("\\\\n"); stop once nothing changes.
  for (let i = 0; i < 5 && /\\+n/.test(out); i++) out = out.replace(/\\+n/g, '\n');
  return out.replace(/\r\n/g, '\n').trim() + '\n';
}

function assertUsableRsaPrivateKey(pem: string): KeyObject {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) || /-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new InvalidServiceAccountKeyError('private_key holds a public key or certificate, not a private key');
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    throw new InvalidServiceAccountKeyError('private_key is encrypted; Google service account keys are unencrypted PKCS#8');
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem) || !/-----END (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new InvalidServiceAccountKeyError(
      'private_key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" … "-----END PRIVATE KEY-----")',
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    // The OpenSSL error code (e.g. ERR_OSSL_UNSUPPORTED) is safe; its message is not needed.
    const code = (err as { code?: unknown }).code;
    throw new InvalidServiceAccountKeyError(
      `private_key is not a PEM private key: OpenSSL could not decode it${typeof code === 'string' ? ` (${code})` : ''}; the base64 body is corrupt or truncated`,
    );
  }
  if (keyObject.asymmetricKeyType !== 'rsa') {
    throw new InvalidServiceAccountKeyError(
      `private_key is a ${keyObject.asymmetricKeyType ?? 'non-asymmetric'} key, but Google service accounts sign RS256 and need an RSA key`,
    );
  }
  return keyObject;
}
