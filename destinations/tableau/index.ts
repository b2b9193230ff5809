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

/**
 * A burst of webhook changes within this becomes one Update Data job (each job takes seconds on Tableau).
 * It runs from the oldest pending change and overlaps the job in flight, so with slow jobs the job time,
 * not the window, sets the batch. 1 s against 2 s: the same jobs with 3 s jobs, e2e p99 2.2–2.5 s against 2.7 s
 * with quick ones; a window that grew with the job time cost 1 s of p99 for at most one job fewer in 20 s
 * (README, bench:tableau).
 */
export const TABLEAU_DELIVERY_WINDOW_MS = 1_000;

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
