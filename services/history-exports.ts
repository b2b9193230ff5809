import type { ExportedRun } from '../contracts/history-export';
import type { ConnectionStore } from '../db/connections';
import type { HistoryExportIndex } from '../db/history-exports';
import { HttpError } from './http-error';

/**
 * A connection's exported runs for the API (its own, and for a store its orders'). A deleted connection's
 * too: its history is most wanted after its workflow is gone. 404 for an id never created.
 */
export class HistoryExportService {
  constructor(private readonly d: { connections: Pick<ConnectionStore, 'getIncludingDeleted'>; index: HistoryExportIndex }) {}

  async list(connectionId: string, limit: number): Promise<ExportedRun[]> {
    if (!await this.d.connections.getIncludingDeleted(connectionId)) throw new HttpError(404, `unknown connection ${connectionId}`);
    return this.d.index.forConnection(connectionId, limit);
  }
}
