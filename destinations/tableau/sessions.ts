import { createHash } from 'node:crypto';
import type { AppConfig } from '../../common/config';
import { TableauSession, patKeyOf, type PatLease } from '../../connectors/tableau';
import type { CredentialStore, TableauPatSecret } from '../../db/credentials';
import type { TableauJobAudit, TableauStaging } from '../../db/tableau';
import type { TableauDestinationConfig } from './input';
import type { TableauMappingThread } from './mapping-thread';
import { tableauClientFor } from './input';

export interface TableauEnvironment {
  config: AppConfig;
  credentials: CredentialStore;
  lease: PatLease;
  audit: TableauJobAudit;
  /** The first sync's rows until they are published as one file. */
  staging: TableauStaging;
  /** Where payload and publish files are written before upload. */
  workDir: string;
  /** Maps the first sync's batches off the worker's main thread. */
  mapping: TableauMappingThread;
}

/**
 * What outlives one activity in a worker: one session per PAT (shared by every connection using it, so
 * two connections on one PAT never sign each other out), and the project and data source ids resolved
 * for each connection (dropped after a 404 and resolved again).
 */
export class TableauSessions {
  private readonly sessions = new Map<string, TableauSession>();
  private readonly ids = new Map<string, { projectId?: string; datasourceId?: string }>();

  constructor(readonly env: TableauEnvironment) {}

  async session(d: TableauDestinationConfig): Promise<TableauSession> {
    const cred = await this.env.credentials.get<TableauPatSecret>(d.credentialId);
    if (!cred) throw new Error(`Tableau credential ${d.credentialId} not found`);
    const pat = { name: cred.secret.patName, secret: cred.secret.patSecret };
    // Same PAT (name and secret) on the same site: the same session, whichever connection asks.
    const key = `${patKeyOf(d.origin, d.contentUrl, pat.name)}:${createHash('sha256').update(pat.secret).digest('hex').slice(0, 16)}:${d.apiVersion}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = new TableauSession({ client: tableauClientFor(this.env.config, d.origin, d.apiVersion), pat, contentUrl: d.contentUrl, lease: this.env.lease });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** The ids known for a connection: first the project resolved on entry, later what was looked up. */
  resolved(connectionId: string, d: TableauDestinationConfig): { projectId?: string; datasourceId?: string } {
    let r = this.ids.get(connectionId);
    if (!r) this.ids.set(connectionId, (r = { projectId: d.projectId }));
    return r;
  }

  /** After a 404: the project (by name) and the data source are looked up again on the next call. */
  forget(connectionId: string): void {
    this.ids.set(connectionId, {});
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
    await this.env.mapping.close();
  }
}
