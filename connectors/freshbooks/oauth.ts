/**
 * FreshBooks OAuth 2.0 authorization-code flow (reference/freshbooks.md §1).
 *
 * Refresh tokens are single-use and rotate on every refresh (§9.3). These functions do not retry: a
 * refresh whose reply was lost has already spent the old token, so blind retries would turn a blip into
 * "invalid_grant". Callers serialize refreshes per connection and persist the new pair atomically.
 */
import { z } from 'zod';
import { FreshBooksApiError, FreshBooksInvalidGrantError, parseFreshBooksError } from './errors';
import { sendHttp, trimBase } from './http';

export interface FreshBooksTokens {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch: (created_at + expires_in) * 1000. */
  expiresAt: number;
  scope: string;
}

const TokenReply = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional().default(''),
  created_at: z.coerce.number().positive(),
});

const DEFAULT_TIMEOUT_MS = 30_000;

export function buildAuthorizeUrl(p: { authBase: string; clientId: string; redirectUri: string; state: string; scopes?: string[] }): string {
  const url = new URL(`${trimBase(p.authBase)}/oauth/authorize`);
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('state', p.state);
  // No scope = every scope registered on the app; send one only when the caller narrows it.
  if (p.scopes && p.scopes.length > 0) url.searchParams.set('scope', p.scopes.join(' '));
  return url.toString();
}

export function exchangeCode(p: {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  timeoutMs?: number;
}): Promise<FreshBooksTokens> {
  return postToken(p.apiBase, {
    grant_type: 'authorization_code',
    client_id: p.clientId,
    client_secret: p.clientSecret,
    code: p.code,
    redirect_uri: p.redirectUri,
  }, p.timeoutMs);
}

export function refreshGrant(p: {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  redirectUri: string;
  timeoutMs?: number;
}): Promise<FreshBooksTokens> {
  // Both official SDKs send redirect_uri on refresh too, so we do.
  return postToken(p.apiBase, {
    grant_type: 'refresh_token',
    client_id: p.clientId,
    client_secret: p.clientSecret,
    refresh_token: p.refreshToken,
    redirect_uri: p.redirectUri,
  }, p.timeoutMs);
}

async function postToken(apiBase: string, body: Record<string, string>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FreshBooksTokens> {
  const reply = await sendHttp({
    method: 'POST',
    url: `${trimBase(apiBase)}/auth/oauth/token`,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    timeoutMs,
  });
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  // Only the status and the OAuth error code go into errors: error_description could echo what we sent.
  const oauthError = parseFreshBooksError(json)?.code;
  if (reply.status === 400 || (reply.status === 401 && oauthError === 'invalid_grant')) {
    throw new FreshBooksInvalidGrantError(reply.status, oauthError);
  }
  if (reply.status < 200 || reply.status >= 300) {
    throw new FreshBooksApiError({
      status: reply.status,
      message: `FreshBooks token endpoint failed (HTTP ${reply.status}${oauthError ? `, ${oauthError}` : ''})`,
      ...(oauthError !== undefined ? { code: oauthError } : {}),
    });
  }
  const parsed = TokenReply.safeParse(json);
  if (!parsed.success) {
    throw new FreshBooksApiError({ status: reply.status, message: 'FreshBooks token endpoint sent an unexpected reply shape' });
  }
  const t = parsed.data;
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    expiresAt: (t.created_at + t.expires_in) * 1000,
    scope: t.scope,
  };
}
