/**
 * Simulated https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token for the client-credentials grant
 * (destinations.md B1). Errors carry the AADSTS codes a real tenant sends, so a client's error text can be
 * checked for what an operator needs (which code, which app) and for what it must never contain (the secret).
 */
import express, { Router, type Request, type Response } from 'express';
import { aadError, type Reply } from './errors';
import { faultReply, send } from './reply';
import type { PowerBiSandboxState } from './state';

export const POWER_BI_SCOPE = 'https://analysis.windows.net/powerbi/api/.default';

export function tokenRoutes(state: PowerBiSandboxState): Router {
  const r = Router();
  r.post('/:tenantId/oauth2/v2.0/token', express.urlencoded({ extended: false, limit: '64kb' }), (req: Request, res: Response) => {
    state.countRequest('token');
    const fault = state.takeFault(['token']);
    if (fault) return send(res, faultReply(fault, 'token', state.now()));
    const reply = exchange(state, String(req.params.tenantId), (req.body ?? {}) as Record<string, unknown>);
    if (reply.status !== 200) state.stats.tokenRejections++;
    send(res, reply);
  });
  return r;
}

function exchange(state: PowerBiSandboxState, tenantId: string, form: Record<string, unknown>): Reply {
  const now = state.now();
  const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
  const missing = (param: string) =>
    aadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${param}'.`, now);

  if (!state.knowsTenant(tenantId)) {
    return aadError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      now,
    );
  }
  const grantType = field('grant_type');
  if (grantType === undefined) return missing('grant_type');
  if (grantType !== 'client_credentials') {
    // AADSTS code for this case is unverified; the error name is the standard OAuth one.
    return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`, now);
  }
  const clientId = field('client_id');
  if (clientId === undefined) return missing('client_id');
  const sp = state.servicePrincipal(tenantId, clientId);
  if (!sp) {
    return aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      now,
    );
  }
  const secret = field('client_secret');
  if (secret === undefined) {
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", now);
  }
  if (secret !== sp.clientSecret) {
    return aadError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      now,
    );
  }
  const scope = field('scope');
  if (scope === undefined) return missing('scope');
  if (scope.trim() !== POWER_BI_SCOPE) {
    return aadError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope.slice(0, 200)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      now,
    );
  }
  const { token, expiresIn } = state.issueToken(tenantId, clientId);
  return { status: 200, body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token } };
}
