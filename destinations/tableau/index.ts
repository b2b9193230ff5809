import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionStore } from '../../db/connections';
import { TableauJobAudit, TableauPatLeases, TableauStaging } from '../../db/tableau';
import { TABLEAU_ENTITIES } from '../../mapping/tableau';
import type { DestinationModule } from '../types';
import { TableauDestination } from './adapter';
import { classifyTableauError } from './errors';
import { sealTableau, tableauDestinationInput, type TableauDestinationConfig } from './input';
import { TableauMappingThread } from './mapping-thread';
import { TableauSessions } from './sessions';

/** A burst of webhook changes within this becomes one Update Data job (each job takes seconds on Tableau). */
export const TABLEAU_DELIVERY_WINDOW_MS = 2_000;

/**
 * Tableau Cloud or Server: one published, live-to-Hyper data source per connection, nine tables,
 * upserted in place by Update Data jobs (so not append-only, and no snapshot tables).
 */
export const tableau: DestinationModule<'tableau', typeof tableauDestinationInput, TableauDestinationConfig> = {
  type: 'tableau',
  kind: 'freshbooks_tableau',
  credentialKind: 'tableau_pat',
  input: tableauDestinationInput,
  seal: sealTableau,
  opener(env) {
    const workDir = join(tmpdir(), 'ml-connector-tableau');
    mkdirSync(workDir, { recursive: true });
    const sessions = new TableauSessions({ config: env.config, credentials: env.credentials, lease: new TableauPatLeases(env.db), audit: new TableauJobAudit(env.db), staging: new TableauStaging(env.db), workDir, mapping: new TableauMappingThread() });
    const connections = new ConnectionStore(env.db);
    return (d, ctx) => TableauDestination.create(d, ctx, sessions, connections);
  },
  traits: {
    appendOnly: false,
    snapshotEntities: [],
    defaultEntities: TABLEAU_ENTITIES,
    deliveryWindowMs: TABLEAU_DELIVERY_WINDOW_MS,
    finishesFullRun: true,
  },
  classifyError: classifyTableauError,
};
