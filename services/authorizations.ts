import type { AppConfig } from '../common/config';
import { buildAuthorizeUrl, exchangeCode, fetchIdentity, type FreshBooksIdentity } from '../connectors/freshbooks';
import type { ConnectionStore } from '../db/connections';
import type { CredentialStore, FreshBooksGrantSecret } from '../db/credentials';
import type { AuthorizationRecord, AuthorizationStore, OAuthStateStore } from '../db/oauth';
import type { Workflows } from '../temporal/workflow-starts';
import { HttpError } from './http-error';

export interface AuthorizationServiceDeps {
  config: AppConfig;
  connections: ConnectionStore;
  credentials: CredentialStore;
  states: OAuthStateStore;
  authorizations: AuthorizationStore;
  workflows: Workflows;
  /** Resumes the connections a re-authorization set active; each kind resumes its own way (connection-kinds.ts). */
  resumeReauthorized(connectionIds: string[]): Promise<void>;
}

export type Business = FreshBooksIdentity['businesses'][number];

/** The identity an authorization stored is the one `fetchIdentity` returned at the callback. */
const businessesOf = (a: AuthorizationRecord): Business[] => (a.identity as unknown as FreshBooksIdentity).businesses;

/** Connecting FreshBooks by OAuth: start, the callback, and what an authorization lets a connection choose. */
export class AuthorizationService {
  constructor(private readonly d: AuthorizationServiceDeps) {}

  async start(request: { reauthorizeGrantId?: string }): Promise<{ authorizeUrl: string; state: string }> {
    if (request.reauthorizeGrantId && !(await this.d.credentials.get(request.reauthorizeGrantId))) {
      throw new HttpError(404, `unknown grant ${request.reauthorizeGrantId}`);
    }
    const state = await this.d.states.issue('freshbooks', request);
    const fb = this.d.config.freshbooks;
    return { authorizeUrl: buildAuthorizeUrl({ authBase: fb.authBase, clientId: fb.clientId, redirectUri: fb.redirectUri, state }), state };
  }

  /** The OAuth callback: the state must be one we issued, unused and unexpired, or nothing happens. */
  async complete(code: string, state: string): Promise<{ authorizationId: string; grantId: string; businesses: Business[]; reauthorized: string[] }> {
    const request = await this.d.states.consume('freshbooks', state);
    if (!request) throw new HttpError(400, 'unknown, used or expired OAuth state');
    const fb = this.d.config.freshbooks;
    const tokens = await exchangeCode({ apiBase: fb.apiBase, clientId: fb.clientId, clientSecret: fb.clientSecret, code, redirectUri: fb.redirectUri });
    const identity = await fetchIdentity({ apiBase: fb.apiBase, accessToken: tokens.accessToken });
    const secret: FreshBooksGrantSecret = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, scope: tokens.scope };
    const metadata = { identityId: identity.identityId, expiresAt: new Date(tokens.expiresAt).toISOString() };
    let grantId = request.reauthorizeGrantId as string | undefined;
    let reauthorized: string[] = [];
    if (grantId) {
      await this.d.credentials.replace(grantId, secret, metadata);
      reauthorized = await this.d.connections.setStatusByGrant(grantId, 'active', { reauthorizedAt: new Date().toISOString() });
      await this.d.workflows.grantReauthorized(grantId);
      await this.d.resumeReauthorized(reauthorized);
    } else {
      grantId = await this.d.credentials.create('freshbooks_oauth', secret, metadata);
      await this.d.workflows.ensureCredential(grantId);
    }
    const authorizationId = await this.d.authorizations.create(grantId, { ...identity }, request);
    return { authorizationId, grantId, businesses: identity.businesses, reauthorized };
  }

  async get(id: string): Promise<{ authorizationId: string; grantId: string; businesses: Business[] }> {
    const a = await this.d.authorizations.get(id);
    if (!a) throw new HttpError(404, `unknown authorization ${id}`);
    return { authorizationId: a.id, grantId: a.credentialId, businesses: businessesOf(a) };
  }

  /**
   * The businesses a new connection names, each visible to the authorization, and the grant that
   * reaches them; 404 for an unknown authorization, 400 naming `field` for a business it cannot see.
   */
  async chooseBusinesses(authorizationId: string, businessIds: number[], field: string): Promise<{ grantId: string; chosen: Business[] }> {
    const a = await this.d.authorizations.get(authorizationId);
    if (!a) throw new HttpError(404, `unknown authorization ${authorizationId}`);
    const businesses = businessesOf(a);
    const chosen = businessIds.map((id) => {
      const b = businesses.find((x) => x.businessId === id);
      if (!b) throw new HttpError(400, 'invalid request', [{ field, message: `business ${id} is not visible to this authorization` }]);
      return b;
    });
    return { grantId: a.credentialId, chosen };
  }
}
