import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeySpec, open, openJson, parseKeyRing, seal, sealJson, DecryptionError } from '../../../common/crypto';

test('sealed values open with the ring and only for their owner', () => {
  const ring = parseKeyRing(generateKeySpec('k1'));
  const sealed = sealJson(ring, { refreshToken: 'rt-secret' }, 'cred_1');
  assert.ok(!sealed.toString('latin1').includes('rt-secret'), 'plaintext must not appear in the ciphertext');
  assert.deepEqual(openJson(ring, sealed, 'cred_1'), { refreshToken: 'rt-secret' });
  assert.throws(() => open(ring, sealed, 'cred_2'), DecryptionError, 'a row copied onto another id must not open');
});

test('tampering is detected', () => {
  const ring = parseKeyRing(generateKeySpec('k1'));
  const sealed = seal(ring, Buffer.from('hello'), 'a');
  sealed[sealed.length - 1] ^= 1;
  assert.throws(() => open(ring, sealed, 'a'), DecryptionError);
});

test('key rotation: new values use the first key, old ones still open', () => {
  const oldSpec = generateKeySpec('old');
  const oldRing = parseKeyRing(oldSpec);
  const sealedOld = seal(oldRing, Buffer.from('v1'), 'x');
  const rotated = parseKeyRing(`${generateKeySpec('new')},${oldSpec}`);
  assert.equal(rotated.activeKeyId, 'new');
  assert.equal(open(rotated, sealedOld, 'x').toString(), 'v1');
  const sealedNew = seal(rotated, Buffer.from('v2'), 'x');
  assert.throws(() => open(oldRing, sealedNew, 'x'), /master key "new" is not configured/);
});

test('bad key specs are rejected with the reason', () => {
  assert.throws(() => parseKeyRing('k1:c2hvcnQ='), /32 bytes/);
  assert.throws(() => parseKeyRing('nocolon'), /keyId:base64key/);
  assert.throws(() => parseKeyRing(''), /no keys/);
});
