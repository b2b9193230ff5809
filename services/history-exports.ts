import type { ExportedRun } from '../contracts/history-export';
import type { HistoryExportIndex } from '../db/history-exports';
import type { ConnectionService } from './connections';

/** A connection's exported runs for the API (its own, and for a store its orders'). 404 unknown connection. */
export class HistoryExportService {
  constructor(private readonly d: { connections: Pick<ConnectionService, 'get'>; index: HistoryExportIndex }) {}

  async list(connectionId: string, limit: number): Promise<ExportedRun[]> {
    const c = await this.d.connections.get(connectionId);
    return this.d.index.forConnection(c.id, limit);
  }
}
