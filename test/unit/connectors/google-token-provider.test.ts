import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseServiceAccountKey, ServiceAccountTokenProvider, TokenExchangeError } from '../../../connectors/google';
import { createGoogleSandbox, generateTestServiceAccountKey, type GoogleSandbox, type RunningGoogleSandbox } from '../../../sandbox/google';

/** A clock both the provider and the sandbox read, so tests can jump an hour in a millisecond. */
let clockMs = Date.parse('2026-03-01T12:00:00Z');
const now = () => clockMs;

const sa = generateTestServiceAccountKey('tokens@test-project.iam.gserviceaccount.com');
const key = parseServiceAccountKey(sa.keyJson);
let sandbox: GoogleSandbox;
let running: RunningGoogleSandbox;

before(async () => {
  sandbox = createGoogleSandbox({ now });
  sandbox.state.registerServiceAccount(sa.clientEmail, sa.publicKeyPem);
  running = await sandbox.listen();
});
after(() => running.close());
beforeEach(() => {
  clockMs = Date.parse('2026-03-01T12:00:00Z');
});

const provider = (extra: Partial<ConstructorParameters<typeof ServiceAccountTokenProvider>[0]> = {}) =>
  new ServiceAccountTokenProvider({ key, tokenUrl: running.tokenUrl, now, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra });

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

async function postAssertion(assertion: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(running.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('ServiceAccountTokenProvider against the sandbox token endpoint', () => {
  it('signs an RS256 JWT with the documented claims and gets a Bearer token', async () => {
    const p = provider();
    const token = await p.getAccessToken();
    assert.match(token, /^ya29\.sandbox-/);
    const { header, claims } = sandbox.state.lastAssertion!;
    assert.deepEqual(header, { alg: 'RS256', typ: 'JWT', kid: sa.privateKeyId });
    assert.equal(claims.iss, sa.clientEmail);
    assert.equal(claims.scope, 'https://www.googleapis.com/auth/bigquery');
    assert.equal(claims.aud, running.tokenUrl);
    assert.equal(claims.iat, Math.floor(clockMs / 1000));
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  });

  it('caches the token and shares one exchange between concurrent callers', async () => {
    const p = provider();
    const before = sandbox.state.stats.tokenExchanges;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => p.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(await p.getAccessToken(), tokens[0]);
    assert.equal(sandbox.state.stats.tokenExchanges - before, 1);
    assert.equal(p.exchangeCount, 1);
  });

  it('renews 5 minutes before expiry, not earlier', async () => {
    const p = provider();
    const first = await p.getAccessToken();
    clockMs += 54 * 60_000; // token (3599 s) still has > 5 min left
    assert.equal(await p.getAccessToken(), first);
    clockMs += 2 * 60_000; // now inside the renewal window
    const second = await p.getAccessToken();
    assert.notEqual(second, first);
    assert.equal(p.exchangeCount, 2);
  });

  it('uses half the lifetime as margin for short-lived tokens instead of renewing on every call', async () => {
    const short = createGoogleSandbox({ now, tokenTtlSec: 60 });
    short.state.registerServiceAccount(sa.clientEmail, sa.publicKeyPem);
    const run = await short.listen();
    try {
      const p = new ServiceAccountTokenProvider({ key, tokenUrl: run.tokenUrl, now });
      const t1 = await p.getAccessToken();
      clockMs += 20_000;
      assert.equal(await p.getAccessToken(), t1);
      clockMs += 15_000;
      assert.notEqual(await p.getAccessToken(), t1);
    } finally {
      await run.close();
    }
  });

  it('retries a 503 from the token endpoint', async () => {
    sandbox.state.injectFaults({ scope: 'token', status: 503, count: 2 });
    const p = provider();
    assert.match(await p.getAccessToken(), /^ya29\./);
  });

  it('reports clock skew (A9-2) with Google wording and without the assertion', async () => {
    const skewed = provider({ now: () => clockMs + 2 * 3600_000 });
    await assert.rejects(skewed.getAccessToken(), (err: unknown) => {
      assert.ok(err instanceof TokenExchangeError);
      assert.equal(err.status, 400);
      assert.equal(err.oauthError, 'invalid_grant');
      assert.match(err.message, /short-lived token \(60 minutes\)/);
      assert.ok(!/eyJ/.test(err.message + (err.stack ?? '')), 'assertion leaked into error');
      return true;
    });
  });

  it('rejects a key the sandbox does not know, and a wrong key for a known account', async () => {
    const stranger = generateTestServiceAccountKey('stranger@test-project.iam.gserviceaccount.com');
    await assert.rejects(provider({ key: parseServiceAccountKey(stranger.keyJson) }).getAccessToken(), /invalid_grant: Invalid grant: account not found/);
    const impostor = { ...parseServiceAccountKey(stranger.keyJson), client_email: sa.clientEmail };
    await assert.rejects(provider({ key: impostor }).getAccessToken(), (err: unknown) => {
      assert.ok(err instanceof TokenExchangeError);
      assert.match(err.message, /Invalid JWT Signature/);
      assert.equal(err.retryable, false);
      return true;
    });
  });

  it('sandbox enforces exp − iat ≤ 3600 and the audience', async () => {
    const signJwt = (claims: Record<string, unknown>) => {
      const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}`;
      return `${input}.${sign('RSA-SHA256', Buffer.from(input), key.private_key).toString('base64url')}`;
    };
    const iat = Math.floor(clockMs / 1000);
    const base = { iss: sa.clientEmail, scope: 'https://www.googleapis.com/auth/bigquery', aud: 'https://oauth2.googleapis.com/token', iat };
    const tooLong = await postAssertion(signJwt({ ...base, exp: iat + 3601 }));
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error, 'invalid_grant');
    assert.match(String(tooLong.body.error_description), /Token must be a short-lived token \(60 minutes\) and in a reasonable timeframe/);
    const wrongAud = await postAssertion(signJwt({ ...base, exp: iat + 3600, aud: 'https://example.com/token' }));
    assert.match(String(wrongAud.body.error_description), /audience/);
    const ok = await postAssertion(signJwt({ ...base, exp: iat + 3600 }));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, 'Bearer');
    assert.equal(typeof ok.body.expires_in, 'number');
    const tampered = signJwt({ ...base, exp: iat + 3600 }).replace(/\.[^.]+$/, '.AAAA');
    assert.equal((await postAssertion(tampered)).body.error_description, 'Invalid JWT Signature.');
  });

  it('invalidate() forces a new exchange', async () => {
    const p = provider();
    const t1 = await p.getAccessToken();
    p.invalidate();
    assert.notEqual(await p.getAccessToken(), t1);
  });
});
