import { Client, Connection } from '@temporalio/client';
import type { KeyRing } from '../common/crypto';
import { createDataConverter } from './data-converter';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export async function connectClient(settings: TemporalSettings, payloadKeys: KeyRing): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace, dataConverter: createDataConverter(payloadKeys) });
}
