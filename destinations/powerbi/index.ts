import { PowerBiPartialPosts } from '../../db/powerbi-partial-posts';
import { POWERBI_DIMENSION_ENTITIES } from '../../mapping/powerbi';
import type { DestinationModule } from '../types';
import { PowerBiDestination, PowerBiSessions, type PowerBiDestinationConfig } from './adapter';
import { classifyPowerBiError } from './errors';
import { powerBiDestinationInput, sealPowerBi } from './input';

/**
 * Power BI push datasets cannot update a row: facts arrive as versions, dimension tables (one row per
 * client or account, which reports join on) are replaced whole, and corrections need a rebuild.
 * By default it gets the tables its dashboards use.
 */
export const powerBi: DestinationModule<'powerbi', typeof powerBiDestinationInput, PowerBiDestinationConfig> = {
  type: 'powerbi',
  kind: 'freshbooks_powerbi',
  credentialKind: 'powerbi_service_principal',
  input: powerBiDestinationInput,
  seal: sealPowerBi,
  opener(env) {
    const sessions = new PowerBiSessions({ ...env.config.powerbi, credentials: env.credentials, pacer: env.powerbiPacer });
    const partial = new PowerBiPartialPosts(env.db);
    return (d) => PowerBiDestination.create(d, sessions, partial);
  },
  traits: {
    appendOnly: true,
    snapshotEntities: POWERBI_DIMENSION_ENTITIES,
    defaultEntities: ['invoices', 'payments', 'expenses', 'bills', 'clients', 'accounts'],
  },
  classifyError: classifyPowerBiError,
};
