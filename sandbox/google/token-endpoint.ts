/**
 * Simulated https://oauth2.googleapis.com/token for the JWT-bearer grant: verifies the RS256
 * signature against registered public keys and the timing/audience rules Google enforces (A1, A9-2).
 */
import { verify } from 'node:crypto';
import { oauthError, type Reply } from './google-errors';
import type { GoogleSandboxState } from './state';

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GOOGLE_TOKEN_AUD = 'https://oauth2.googleapis.com/token';
/** Google tolerates a little clock skew on iat; beyond that the assertion is "not in a reasonable timeframe". */
const MAX_SKEW_SEC = 300;
const SHORT_LIVED =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

export interface TokenRequest {
  form: Record<string, unknown>;
  /** The URL this endpoint was reached at, an acceptable `aud` besides Google's own. */
  selfUrl: string;
}

export function exchangeToken(state: GoogleSandboxState, req: TokenRequest): Reply {
  const reject = (status: number, error: string, description: string): Reply => {
    state.stats.tokenRejections++;
    return oauthError(status, error, description);
  };
  const grantType = req.form.grant_type;
  if (grantType !== JWT_BEARER_GRANT) return reject(400, 'unsupported_grant_type', `Invalid grant_type: ${String(grantType ?? '')}`);
  const assertion = req.form.assertion;
  if (typeof assertion !== 'string') return reject(400, 'invalid_request', 'Missing required parameter: assertion');

  const parts = assertion.split('.');
  if (parts.length !== 3) return reject(400, 'invalid_grant', 'Invalid JWT: malformed assertion');
  const [headerB64, claimsB64, signatureB64] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: { iss?: unknown; scope?: unknown; aud?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsB64, 'base64url').toString('utf8'));
  } catch {
    return reject(400, 'invalid_grant', 'Invalid JWT: malformed assertion');
  }
  state.lastAssertion = { header: header as Record<string, unknown>, claims: claims as Record<string, unknown> };
  if (header.alg !== 'RS256') return reject(400, 'invalid_grant', 'Invalid JWT Signature.');

  const keys = typeof claims.iss === 'string' ? state.serviceAccounts.get(claims.iss) : undefined;
  if (!keys) return reject(400, 'invalid_grant', 'Invalid grant: account not found');
  const signingInput = Buffer.from(`${headerB64}.${claimsB64}`, 'utf8');
  const signature = Buffer.from(signatureB64, 'base64url');
  if (!keys.some((k) => verify('RSA-SHA256', signingInput, k, signature))) {
    return reject(400, 'invalid_grant', 'Invalid JWT Signature.');
  }

  if (claims.aud !== GOOGLE_TOKEN_AUD && claims.aud !== req.selfUrl) {
    return reject(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_AUD}`);
  }
  const nowSec = Math.floor(state.now() / 1000);
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= iat || iat > nowSec + MAX_SKEW_SEC || exp < nowSec) {
    return reject(400, 'invalid_grant', SHORT_LIVED);
  }
  if (typeof claims.scope !== 'string' || claims.scope.trim() === '') {
    return reject(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  }

  const { token, expiresIn } = state.issueToken(claims.iss as string, claims.scope.split(/\s+/));
  state.stats.tokenExchanges++;
  return { status: 200, body: { access_token: token, expires_in: expiresIn, token_type: 'Bearer' } };
}

/** Scopes that grant BigQuery access; bigquery.insertdata covers insertAll only. */
export function scopeAllows(scopes: string[], insertAllOnly: boolean): boolean {
  return scopes.some(
    (s) =>
      s === 'https://www.googleapis.com/auth/bigquery' ||
      s === 'https://www.googleapis.com/auth/cloud-platform' ||
      (insertAllOnly && s === 'https://www.googleapis.com/auth/bigquery.insertdata'),
  );
}
