import type { DataConverter } from '@temporalio/common';
import type { KeyRing } from '../common/crypto';
import { EncryptionCodec } from './encryption-codec';

/** Client and worker must use the same converter, or neither can read the other's payloads. */
export function createDataConverter(payloadKeys: KeyRing): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(payloadKeys)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
