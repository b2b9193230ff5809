import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM envelope encryption. Each sealed value gets its own data key, wrapped by a master key
 * named by id, so master keys can rotate: new values use the first key of the ring, old values still
 * open with the key they name. The associated data binds a ciphertext to its owner (e.g. the credential
 * id), so a row copied onto another row does not decrypt.
 */
export interface KeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let activeKeyId: string | undefined;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const sep = part.indexOf(':');
    if (sep <= 0) throw new Error('each key must be written keyId:base64key');
    const id = part.slice(0, sep);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`key id "${id}" must be 1-32 of [A-Za-z0-9_-]`);
    const key = Buffer.from(part.slice(sep + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes of base64 (got ${key.length} bytes)`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
    activeKeyId ??= id;
  }
  if (!activeKeyId) throw new Error('no keys given');
  return { activeKeyId, keys };
}

export function generateKeySpec(keyId = 'k1'): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}

function gcmEncrypt(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function gcmDecrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** Layout: version(1) | keyIdLen(1) | keyId | wrappedDekLen(2) | wrappedDek | sealedBody */
export function seal(ring: KeyRing, plain: Buffer, associatedData: string): Buffer {
  const master = ring.keys.get(ring.activeKeyId)!;
  const aad = Buffer.from(associatedData, 'utf8');
  const dek = randomBytes(32);
  const wrapped = gcmEncrypt(master, dek, aad);
  const body = gcmEncrypt(dek, plain, aad);
  const keyId = Buffer.from(ring.activeKeyId, 'utf8');
  const header = Buffer.alloc(4 + keyId.length);
  header.writeUInt8(VERSION, 0);
  header.writeUInt8(keyId.length, 1);
  keyId.copy(header, 2);
  header.writeUInt16BE(wrapped.length, 2 + keyId.length);
  return Buffer.concat([header, wrapped, body]);
}

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export function open(ring: KeyRing, sealed: Buffer, associatedData: string): Buffer {
  try {
    if (sealed.readUInt8(0) !== VERSION) throw new DecryptionError('unknown envelope version');
    const idLen = sealed.readUInt8(1);
    const keyId = sealed.subarray(2, 2 + idLen).toString('utf8');
    const master = ring.keys.get(keyId);
    if (!master) throw new DecryptionError(`master key "${keyId}" is not configured`);
    const wrappedLen = sealed.readUInt16BE(2 + idLen);
    const wrappedStart = 4 + idLen;
    const aad = Buffer.from(associatedData, 'utf8');
    const dek = gcmDecrypt(master, sealed.subarray(wrappedStart, wrappedStart + wrappedLen), aad);
    return gcmDecrypt(dek, sealed.subarray(wrappedStart + wrappedLen), aad);
  } catch (err) {
    if (err instanceof DecryptionError) throw err;
    throw new DecryptionError('ciphertext does not open with the configured keys');
  }
}

export function keyIdOf(sealed: Buffer): string {
  return sealed.subarray(2, 2 + sealed.readUInt8(1)).toString('utf8');
}

export function sealJson(ring: KeyRing, value: unknown, associatedData: string): Buffer {
  return seal(ring, Buffer.from(JSON.stringify(value), 'utf8'), associatedData);
}

export function openJson<T>(ring: KeyRing, sealed: Buffer, associatedData: string): T {
  return JSON.parse(open(ring, sealed, associatedData).toString('utf8')) as T;
}
