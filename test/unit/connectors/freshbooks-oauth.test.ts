/**
 * OAuth code flow, single-use rotating refresh tokens, and /users/me, against the sandbox over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildAuthorizeUrl,
  exchangeCode,
  fetchIdentity,
  FreshBooksApiError,
  FreshBooksInvalidGrantError,
  FreshBooksUnauthorizedError,
  refreshGrant,
} from '../../../connectors/freshbooks';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '../../../sandbox/freshbooks';

const CLIENT_ID = 'test-app';
const CLIENT_SECRET = 'test-app-secret-do-not-leak';
const REDIRECT = 'https://connector.example/oauth/freshbooks/callback';

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
const secrets: string[] = [CLIENT_SECRET];

function assertNoSecrets(err: unknown): void {
  const text = `${(err as Error).message} ${(err as Error).stack ?? ''} ${JSON.stringify(err)}`;
  for (const s of secrets) assert.ok(!text.includes(s), `error leaks a secret: ${(err as Error).message}`);
}

/** Walk the browser leg: authorize → 302 to our callback with ?code&state. */
async function authorize(state = 'st-123', scopes?: string[]): Promise<{ code: string; state: string | null; location: URL }> {
  const authUrl = buildAuthorizeUrl({ authBase: url, clientId: CLIENT_ID, redirectUri: REDIRECT, state, ...(scopes ? { scopes } : {}) });
  const res = await fetch(authUrl, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  const code = location.searchParams.get('code')!;
  secrets.push(code);
  return { code, state: location.searchParams.get('state'), location };
}

async function exchange(code: string) {
  const t = await exchangeCode({ apiBase: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, code, redirectUri: REDIRECT });
  secrets.push(t.accessToken, t.refreshToken);
  return t;
}

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 5, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessTokenTtlSec: 3600 });
  ({ url, close } = await sandbox.listen());
});

after(async () => {
  await close();
});

describe('FreshBooks OAuth', () => {
  it('builds the authorize URL FreshBooks expects', () => {
    const u = new URL(buildAuthorizeUrl({ authBase: 'https://auth.freshbooks.com', clientId: 'abc', redirectUri: REDIRECT, state: 's 1', scopes: ['user:profile:read', 'user:invoices:read'] }));
    assert.equal(u.origin + u.pathname, 'https://auth.freshbooks.com/oauth/authorize');
    assert.equal(u.searchParams.get('client_id'), 'abc');
    assert.equal(u.searchParams.get('response_type'), 'code');
    assert.equal(u.searchParams.get('redirect_uri'), REDIRECT);
    assert.equal(u.searchParams.get('state'), 's 1');
    assert.equal(u.searchParams.get('scope'), 'user:profile:read user:invoices:read');
    assert.equal(new URL(buildAuthorizeUrl({ authBase: 'https://a', clientId: 'x', redirectUri: REDIRECT, state: 's' })).searchParams.has('scope'), false);
  });

  it('exchanges a code for tokens whose expiry is (created_at + expires_in) s', async () => {
    const { code, state, location } = await authorize('keep-me', ['user:profile:read', 'user:invoices:read']);
    assert.equal(state, 'keep-me');
    assert.equal(location.origin + location.pathname, REDIRECT);
    const before = Date.now();
    const t = await exchange(code);
    assert.ok(t.accessToken && t.refreshToken && t.accessToken !== t.refreshToken);
    assert.equal(t.scope, 'user:profile:read user:invoices:read');
    const expected = Math.floor(before / 1000) * 1000 + 3600_000;
    assert.ok(Math.abs(t.expiresAt - expected) <= 2000, `expiresAt ${t.expiresAt} vs ~${expected}`);
  });

  it('rejects a reused code, a wrong redirect_uri and an expired code with FreshBooksInvalidGrantError', async () => {
    const { code } = await authorize();
    await exchange(code);
    const reused = await exchange(code).catch((e: unknown) => e);
    assert.ok(reused instanceof FreshBooksInvalidGrantError);
    assertNoSecrets(reused);

    const { code: code2 } = await authorize();
    const wrongRedirect = await exchangeCode({ apiBase: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, code: code2, redirectUri: 'https://elsewhere.example/cb' }).catch((e: unknown) => e);
    assert.ok(wrongRedirect instanceof FreshBooksInvalidGrantError);

    const { code: code3 } = await authorize();
    sandbox.state.setClock(new Date(Date.now() + 6 * 60_000).toISOString(), { running: true });
    try {
      const expired = await exchange(code3).catch((e: unknown) => e);
      assert.ok(expired instanceof FreshBooksInvalidGrantError, 'codes live 5 minutes');
    } finally {
      sandbox.state.setClock(null);
    }
  });

  it('rotates refresh tokens: each refresh returns a new one and the old one is dead', async () => {
    const first = await exchange((await authorize()).code);
    const before = sandbox.state.stats.refreshes;
    const second = await refreshGrant({ apiBase: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: first.refreshToken, redirectUri: REDIRECT });
    secrets.push(second.accessToken, second.refreshToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(sandbox.state.stats.refreshes - before, 1);

    const reused = await refreshGrant({ apiBase: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: first.refreshToken, redirectUri: REDIRECT }).catch((e: unknown) => e);
    assert.ok(reused instanceof FreshBooksInvalidGrantError);
    assert.equal(reused.name, 'InvalidGrant');
    assert.equal(reused.status, 400);
    assert.equal(reused.oauthError, 'invalid_grant');
    assertNoSecrets(reused);
    assert.equal(sandbox.state.stats.refreshes - before, 1, 'a refused refresh is not a refresh');

    // The new refresh token still works.
    const third = await refreshGrant({ apiBase: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: second.refreshToken, redirectUri: REDIRECT });
    secrets.push(third.accessToken, third.refreshToken);
    assert.ok(third.accessToken);
  });

  it('reports a wrong client secret as a 401 API error, not as a dead grant, without echoing the secret', async () => {
    const t = await exchange((await authorize()).code);
    const wrong = 'wrong-secret-also-private';
    secrets.push(wrong);
    const err = await refreshGrant({ apiBase: url, clientId: CLIENT_ID, clientSecret: wrong, refreshToken: t.refreshToken, redirectUri: REDIRECT }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksApiError);
    assert.ok(!(err instanceof FreshBooksInvalidGrantError));
    assert.equal(err.status, 401);
    assert.equal(err.code, 'invalid_client');
    assertNoSecrets(err);
  });

  it('accepts form-encoded and multipart token requests, as the Python SDK and curl -F send them', async () => {
    const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code: (await authorize()).code, redirect_uri: REDIRECT });
    const res = await fetch(`${url}/auth/oauth/token`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.created_at, 'number');
    assert.ok((body.created_at as number) < 1e11, 'created_at is in seconds');

    const multipart = new FormData();
    multipart.set('grant_type', 'refresh_token');
    multipart.set('client_id', CLIENT_ID);
    multipart.set('client_secret', CLIENT_SECRET);
    multipart.set('refresh_token', body.refresh_token as string);
    multipart.set('redirect_uri', REDIRECT);
    const res2 = await fetch(`${url}/auth/oauth/token`, { method: 'POST', body: multipart });
    assert.equal(res2.status, 200);
  });

  it('expires access tokens after their lifetime', async () => {
    const t = await exchange((await authorize()).code);
    const me = await fetchIdentity({ apiBase: url, accessToken: t.accessToken });
    assert.equal(me.identityId, sandbox.state.user.identityId);
    sandbox.state.setClock(new Date(Date.now() + 3601_000).toISOString(), { running: true });
    try {
      const err = await fetchIdentity({ apiBase: url, accessToken: t.accessToken }).catch((e: unknown) => e);
      assert.ok(err instanceof FreshBooksUnauthorizedError);
      assertNoSecrets(err);
    } finally {
      sandbox.state.setClock(null);
    }
  });
});

describe('FreshBooks identity', () => {
  it('lists the businesses the user can sync, with business_id, uuid and account_id, and no client roles', async () => {
    const t = await exchange((await authorize()).code);
    const me = await fetchIdentity({ apiBase: url, accessToken: t.accessToken });
    assert.equal(me.email, sandbox.state.user.email);
    assert.equal(me.businesses.length, 2);
    assert.ok(me.businesses.every((b) => b.role !== 'client'));
    const [a, b] = me.businesses;
    assert.notEqual(a!.accountId, b!.accountId);
    for (const biz of me.businesses) {
      const membership = sandbox.state.memberships.find((m) => m.business.accountId === biz.accountId)!;
      assert.equal(biz.businessId, membership.business.businessId, 'business.id, not the membership id');
      assert.notEqual(biz.businessId, membership.membershipId);
      assert.equal(biz.businessUuid, membership.business.businessUuid);
      assert.equal(typeof biz.name, 'string');
    }
  });

  it('raises FreshBooksUnauthorizedError for a bad token without putting the token in the message', async () => {
    const bogus = 'at_definitely-not-a-real-token-0123456789';
    secrets.push(bogus);
    const err = await fetchIdentity({ apiBase: url, accessToken: bogus }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksUnauthorizedError);
    assert.equal(err.status, 401);
    assertNoSecrets(err);
    const missing = await fetch(`${url}/auth/api/v1/users/me`);
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { error: 'unauthenticated', error_description: 'This action requires authentication to continue.' });
  });
});
