import { z } from 'zod';
import type { AppConfig } from '../../common/config';
import {
  TableauClient, TableauSignInError, TableauSiteUrlError, TableauVersionError, compareVersions, parseSiteUrl,
  type TableauAuth, type TableauDeployment,
} from '../../connectors/tableau';
import { HttpNetworkError } from '../../connectors/http';
import type { TableauPatSecret } from '../../db/credentials';
import { DestinationInputError, type SealDeps } from '../types';

/** The newest REST version in Tableau's docs (Cloud, Server 2025.3); Update Data in Hyper needs 3.13 with TSC. */
export const DEFAULT_TABLEAU_API_VERSION = '3.27';
const MIN_API_VERSION = '3.13';

export const tableauDestinationInput = z.object({
  type: z.literal('tableau'),
  deployment: z.enum(['cloud', 'server']),
  /** As the browser shows it: Cloud `https://10ay.online.tableau.com/#/site/acme/home`, Server `https://tableau.example.com` (Default site) or `…/#/site/finance`. */
  siteUrl: z.string().min(1).max(2000),
  patName: z.string().min(1).max(256),
  /** Sealed on entry, never stored in the connection or echoed. */
  patSecret: z.string().min(1).max(1000),
  /** The project to publish into; `Parent/Child` for a nested one. */
  project: z.string().min(1).max(500).default('Default'),
  dataSourceName: z.string().min(1).max(255).default('FreshBooks'),
  apiVersion: z.string().regex(/^3\.\d{1,2}$/, 'must be a REST API version such as 3.27')
    .refine((v) => compareVersions(v, MIN_API_VERSION) >= 0, `must be at least ${MIN_API_VERSION} (Update Data in Hyper data sources)`)
    .default(DEFAULT_TABLEAU_API_VERSION),
}).strict();

export interface TableauDestinationConfig {
  type: 'tableau';
  deployment: TableauDeployment;
  siteUrl: string;
  /** Resolved on entry from siteUrl: `https://<pod>.online.tableau.com` or the Server origin, and the site's contentUrl. */
  origin: string;
  contentUrl: string;
  /** Site and project LUIDs resolved on entry; re-resolved after a 404. */
  siteId: string;
  project: string;
  projectId: string;
  dataSourceName: string;
  apiVersion: string;
  /** The PAT (name and secret), sealed in `credentials`. */
  credentialId: string;
}

/** Where requests for a site go: its own origin, or the configured override (a proxy, the sandbox). */
export function tableauClientFor(config: AppConfig, origin: string, apiVersion: string): TableauClient {
  return new TableauClient({ origin: config.tableau.originOverride ?? origin, apiVersion });
}

/**
 * "Add your credentials, ping your real systems": the URL is parsed, the server's REST version checked,
 * the PAT signed in, the project found — each failure a 400 naming its field, and nothing stored.
 */
export async function sealTableau(input: z.output<typeof tableauDestinationInput>, deps: SealDeps): Promise<TableauDestinationConfig> {
  let site: ReturnType<typeof parseSiteUrl>;
  try {
    site = parseSiteUrl(input.deployment, input.siteUrl);
  } catch (err) {
    if (err instanceof TableauSiteUrlError) throw new DestinationInputError('siteUrl', err.message);
    throw err;
  }
  const client = tableauClientFor(deps.config, site.origin, input.apiVersion);
  const resolved = await checkSite(client, { name: input.patName, secret: input.patSecret }, site.contentUrl, input.project);
  const credentialId = await deps.sealSecret<TableauPatSecret>({ patName: input.patName, patSecret: input.patSecret }, { origin: site.origin, contentUrl: site.contentUrl, patName: input.patName });
  return {
    type: 'tableau', deployment: input.deployment, siteUrl: input.siteUrl, origin: site.origin, contentUrl: site.contentUrl,
    siteId: resolved.siteId, project: input.project, projectId: resolved.projectId, dataSourceName: input.dataSourceName,
    apiVersion: input.apiVersion, credentialId,
  };
}

/** Version, sign-in and project; signs out after. Exported for the PAT replacement path, which checks the same way. */
export async function checkSite(client: TableauClient, pat: { name: string; secret: string }, contentUrl: string, project: string): Promise<{ siteId: string; projectId: string }> {
  try {
    await client.checkVersion();
  } catch (err) {
    if (err instanceof TableauVersionError) throw new DestinationInputError('apiVersion', `${err.message}: choose ${err.serverVersion} or lower`);
    throw new DestinationInputError('siteUrl', `Tableau did not answer at ${client.origin}${err instanceof HttpNetworkError ? ` (${err.code})` : ''}`);
  }
  let auth: TableauAuth;
  try {
    auth = await client.signIn(pat, contentUrl);
  } catch (err) {
    if (err instanceof TableauSignInError) {
      throw new DestinationInputError('patSecret', `Tableau refused the personal access token (401001): a wrong name or secret, a token expired or revoked, or not valid on site "${contentUrl}"`);
    }
    throw err;
  }
  try {
    const found = await client.findProject(auth, project);
    if (!found) throw new DestinationInputError('project', `no project "${project}" on the site`);
    return { siteId: auth.siteId, projectId: found.id };
  } finally {
    await client.signOut(auth.token);
  }
}
