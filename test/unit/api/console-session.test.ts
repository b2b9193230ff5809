import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleSessions } from '../../../api/console/session';

const TOKEN = 'admin-token-admin-token-admin-token';

test('a session cookie verifies until its expiry, then not', () => {
  let now = 1_000_000;
  const sessions = new ConsoleSessions(TOKEN, 60, () => now);
  const { cookie, session } = sessions.issue();
  assert.ok(!cookie.includes(TOKEN));
  assert.deepEqual(sessions.verify(cookie), session);
  now += 59_999;
  assert.ok(sessions.verify(cookie));
  now += 1;
  assert.equal(sessions.verify(cookie), undefined);
});

test('a cookie altered anywhere, or signed under another admin token, is no session', () => {
  const sessions = new ConsoleSessions(TOKEN, 60);
  const { cookie } = sessions.issue();
  const [body, mac] = cookie.split('.') as [string, string];
  // A later expiry written into the body keeps the old signature: refused.
  const longer = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), exp: Date.now() + 1e9 })).toString('base64url');
  for (const forged of [`${longer}.${mac}`, `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, body, `.${mac}`, '', 'x'.repeat(600)]) {
    assert.equal(sessions.verify(forged), undefined, forged.slice(0, 40));
  }
  assert.equal(new ConsoleSessions(`${TOKEN}-rotated`, 60).verify(cookie), undefined, 'rotating the admin token ends sessions');
});

test('the CSRF token is the session\'s own', () => {
  const sessions = new ConsoleSessions(TOKEN, 60);
  const a = sessions.issue().session;
  const b = sessions.issue().session;
  assert.notEqual(a.csrfToken, b.csrfToken);
  assert.equal(sessions.checkCsrf(a, a.csrfToken), true);
  assert.equal(sessions.checkCsrf(a, b.csrfToken), false);
  assert.equal(sessions.checkCsrf(a, undefined), false);
  assert.equal(sessions.checkCsrf(a, ''), false);
});

test('only the admin token opens a session', () => {
  const sessions = new ConsoleSessions(TOKEN, 60);
  assert.equal(sessions.isAdminToken(TOKEN, TOKEN), true);
  assert.equal(sessions.isAdminToken(`${TOKEN} `, TOKEN), false);
  assert.equal(sessions.isAdminToken('', TOKEN), false);
});
