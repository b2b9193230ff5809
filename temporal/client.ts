import { Client, Connection, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { KeyRing } from '../common/crypto';
import { createDataConverter } from './data-converter';
import { serviceRetryOptions } from './grpc-retry';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export async function connectClient(settings: TemporalSettings, payloadKeys: KeyRing): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address, interceptors: [makeGrpcRetryInterceptor(serviceRetryOptions())] });
  return new Client({ connection, namespace: settings.namespace, dataConverter: createDataConverter(payloadKeys) });
}
