import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal, keyIdOf, type KeyRing } from '../common/crypto';

/**
 * Encrypts every Temporal payload (inputs, results, heartbeats, signals, memo and — with the failure
 * converter set to encode common attributes — failure messages and stack traces) before it leaves the
 * process. Same idea as temporalio/samples-typescript `encryption/`, with our envelope format so the
 * payload key can rotate like the credential keys.
 */
const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const AAD = 'temporal-payload';

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = seal(this.ring, Buffer.from(plain), AAD);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCODING),
          [KEY_ID]: Buffer.from(keyIdOf(sealed)),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return payload;
      if (!payload.data) throw new Error('encrypted payload has no data');
      const plain = open(this.ring, Buffer.from(payload.data), AAD);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
