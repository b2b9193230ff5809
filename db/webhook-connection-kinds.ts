import { destinationTypeOf } from '../contracts/destination-kinds';
import type { ConnectionKind } from './connections';

/** Connections that read from FreshBooks: the only ones with FreshBooks callbacks and a workflow that
 * handles their deliveries. A store connection writes to FreshBooks and must not be reachable there. */
export function readsFreshBooksWebhooks(kind: ConnectionKind): boolean {
  return destinationTypeOf(kind) !== undefined;
}
