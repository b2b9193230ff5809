import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../../temporal/encryption-codec';
import { generateKeySpec, parseKeyRing } from '../../../common/crypto';

test('payloads are encrypted and decode back to the same value', async () => {
  const codec = new EncryptionCodec(parseKeyRing(generateKeySpec('p1')));
  const payload = defaultPayloadConverter.toPayload({ connectionId: 'conn_1', note: 'visible-marker' });
  const [encoded] = await codec.encode([payload]);
  assert.equal(Buffer.from(encoded.metadata!.encoding!).toString(), 'binary/encrypted');
  assert.ok(!Buffer.from(encoded.data!).toString('latin1').includes('visible-marker'));
  const [decoded] = await codec.decode([encoded]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(decoded), { connectionId: 'conn_1', note: 'visible-marker' });
});

test('a payload sealed with another key does not decode', async () => {
  const a = new EncryptionCodec(parseKeyRing(generateKeySpec('p1')));
  const b = new EncryptionCodec(parseKeyRing(generateKeySpec('p1')));
  const [encoded] = await a.encode([defaultPayloadConverter.toPayload('x')]);
  await assert.rejects(b.decode([encoded]));
});
