import { z } from 'zod';
import type { AppConfig } from '../common/config';
import type { ConnectionRecord, ConnectionStore } from '../db/connections';
import type { CredentialStore, TableauPatSecret } from '../db/credentials';
import type { TableauJobAudit, TableauJobRow } from '../db/tableau';
import { checkSite, tableauClientFor, type TableauDestinationConfig } from '../destinations/tableau/input';
import { DestinationInputError } from '../destinations/types';
import type { Workflows } from '../temporal/workflow-starts';
import type { ConnectionService } from './connections';
import { HttpError } from './http-error';

export const tableauPatInput = z.object({
  patName: z.string().min(1).max(256),
  patSecret: z.string().min(1).max(1000),
}).strict();

export interface TableauServiceDeps {
  config: AppConfig;
  connections: Pick<ConnectionService, 'get'>;
  store: Pick<ConnectionStore, 'setStatus'>;
  credentials: Pick<CredentialStore, 'replace'>;
  audit: Pick<TableauJobAudit, 'list'>;
  workflows: Pick<Workflows, 'requestSync'>;
}

/** What the API offers Tableau connections: their job audit trail, and entering a new PAT after destination_auth. */
export class TableauService {
  constructor(private readonly d: TableauServiceDeps) {}

  /** Every publish and Update Data attempt, newest first; 404 unknown, 400 for a connection that is not Tableau's. */
  async jobs(connectionId: string): Promise<{ connectionId: string; status: string; jobs: TableauJobRow[] }> {
    const c = await this.tableauConnection(connectionId);
    return { connectionId: c.id, status: c.status, jobs: await this.d.audit.list(c.id) };
  }

  /**
   * Replaces the connection's PAT (name and secret, in the same sealed credential, a new version): checked
   * by signing in first (a 400 naming the field if Tableau refuses it), then the connection is active
   * again and a sync is asked for. `body` is read once the connection is known to be Tableau's.
   */
  async replacePat(connectionId: string, body: () => z.infer<typeof tableauPatInput>): Promise<{ connectionId: string; status: 'active' }> {
    const c = await this.tableauConnection(connectionId);
    const input = body();
    const d = c.destination as TableauDestinationConfig;
    try {
      await checkSite(tableauClientFor(this.d.config, d.origin, d.apiVersion), { name: input.patName, secret: input.patSecret }, d.contentUrl, d.project);
    } catch (err) {
      if (err instanceof DestinationInputError) {
        const field = err.field === 'patSecret' ? 'patSecret' : err.field;
        throw new HttpError(400, 'invalid request', [{ field, message: err.message }]);
      }
      throw err;
    }
    await this.d.credentials.replace<TableauPatSecret>(d.credentialId, { patName: input.patName, patSecret: input.patSecret });
    if (c.status === 'destination_auth') await this.d.store.setStatus(c.id, 'active');
    await this.d.workflows.requestSync(c.id, { mode: 'incremental', reason: 'manual' });
    return { connectionId: c.id, status: 'active' };
  }

  private async tableauConnection(id: string): Promise<ConnectionRecord & { destination: TableauDestinationConfig }> {
    const c = await this.d.connections.get(id);
    if (c.kind !== 'freshbooks_tableau') throw new HttpError(400, `connection ${id} does not deliver to Tableau`);
    return c as ConnectionRecord & { destination: TableauDestinationConfig };
  }
}
