import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLookerSandbox, type LookerSandboxOptions } from '.';

const ID = 'looker-client-id';
const SECRET = 'looker-secret-never-echoed';
const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

async function start(opts: LookerSandboxOptions = {}) {
  const sb = createLookerSandbox(opts);
  sb.state.addApiKey(ID, SECRET);
  const group = sb.state.addDatagroup('finance', 'freshbooks_etl');
  const run = await sb.listen();
  closers.push(run.close);
  const api = async (method: string, path: string, init: { body?: unknown; form?: Record<string, string>; auth?: string } = {}) => {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (init.form) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(init.form).toString(); }
    else if (init.body !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(init.body); }
    if (init.auth) headers.authorization = init.auth;
    const res = await fetch(`${run.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const login = async () => {
    const r = await api('POST', '/api/4.0/login', { form: { client_id: ID, client_secret: SECRET } });
    assert.equal(r.status, 200);
    return r.body.access_token as string;
  };
  return { sb, run, api, login, group };
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('Looker sandbox: login', () => {
  it('logs in with a form body and answers an hour-long token with no refresh token', async () => {
    const { api } = await start();
    const r = await api('POST', '/api/4.0/login', { form: { client_id: ID, client_secret: SECRET } });
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 3600);
    assert.equal(r.body.refresh_token, null);
    assert.match(r.body.access_token, /^\S{20,}$/);
  });

  it('refuses credentials in the query string, even correct ones', async () => {
    const { api, sb } = await start();
    const r = await api('POST', `/api/4.0/login?client_id=${ID}&client_secret=${SECRET}`);
    assert.equal(r.status, 400);
    assert.equal(sb.state.stats.queryCredentials, 1);
    const json = await api('POST', '/api/4.0/login', { body: { client_id: ID, client_secret: SECRET } });
    assert.equal(json.status, 404, 'a JSON body is not the form body Looker reads');
  });

  it('answers a wrong secret as Looker does (404 Not found), without echoing it', async () => {
    const { api } = await start();
    const r = await api('POST', '/api/4.0/login', { form: { client_id: ID, client_secret: 'wrong' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'Not found');
    assert.ok(!JSON.stringify(r.body).includes('wrong'));
  });

  it('accepts `token <t>` and `Bearer <t>`; 401 without, with an unknown, or with a logged-out token', async () => {
    const { api, login } = await start();
    const t = await login();
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: `token ${t}` })).status, 200);
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: `Bearer ${t}` })).status, 200);
    assert.equal((await api('GET', '/api/4.0/datagroups')).status, 401);
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: 'token nope' })).status, 401);
    assert.equal((await api('DELETE', '/api/4.0/logout', { auth: `token ${t}` })).status, 204);
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: `token ${t}` })).status, 401);
  });

  it('tokens expire after an hour: 401, and a new login works', async () => {
    let now = Date.now();
    const { api, login } = await start({ now: () => now });
    const t = await login();
    now += 3599_000;
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: `token ${t}` })).status, 200);
    now += 2_000;
    const r = await api('GET', '/api/4.0/datagroups', { auth: `token ${t}` });
    assert.equal(r.status, 401);
    assert.equal(r.body.message, 'Requires authentication.');
    assert.equal((await api('GET', '/api/4.0/datagroups', { auth: `token ${await login()}` })).status, 200);
  });
});

describe('Looker sandbox: datagroups', () => {
  it('lists datagroups with ids, model and name', async () => {
    const { api, login, group } = await start();
    const r = await api('GET', '/api/4.0/datagroups', { auth: `token ${await login()}` });
    assert.deepEqual(r.body.map((g: { id: string; model_name: string; name: string }) => [g.id, g.model_name, g.name]), [[group.id, 'finance', 'freshbooks_etl']]);
  });

  it('records a trigger in whole seconds with when it arrived', async () => {
    const { api, login, group, run } = await start();
    const at = nowSec() - 2;
    const before = Date.now();
    const r = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth: `token ${await login()}`, body: { triggered_at: at } });
    assert.equal(r.status, 200);
    assert.equal(r.body.triggered_at, at);
    const { triggers } = (await (await fetch(`${run.url}/_sandbox/triggers`)).json()) as { triggers: { datagroupId: string; triggeredAt: number; receivedAtMs: number }[] };
    assert.equal(triggers.length, 1);
    assert.equal(triggers[0]!.datagroupId, group.id);
    assert.equal(triggers[0]!.triggeredAt, at);
    assert.ok(triggers[0]!.receivedAtMs >= before);
  });

  it('422 for a triggered_at in the future or in milliseconds, in the ValidationError shape', async () => {
    const { api, login, group, sb } = await start();
    const auth = `token ${await login()}`;
    const future = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: nowSec() + 30 } });
    assert.equal(future.status, 422);
    assert.equal(typeof future.body.message, 'string');
    assert.equal(typeof future.body.documentation_url, 'string');
    assert.equal(future.body.errors[0].field, 'triggered_at');
    const ms = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: Date.now() } });
    assert.equal(ms.status, 422);
    assert.match(ms.body.errors[0].message, /milliseconds/);
    assert.equal(sb.state.triggers.length, 0);
  });

  it("judges 'the future' by Looker's clock: with Looker 10 s behind, now-5 s is refused", async () => {
    const { api, login, group, sb } = await start();
    sb.state.skewMs = -10_000;
    const r = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth: `token ${await login()}`, body: { triggered_at: nowSec() - 5 } });
    assert.equal(r.status, 422);
  });

  it('checks bodies against the published Datagroup schema', async () => {
    const { api, login, group } = await start();
    const auth = `token ${await login()}`;
    const str = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: String(nowSec() - 5) } });
    assert.equal(str.status, 422);
    assert.equal(str.body.errors[0].field, 'triggered_at');
    const frac = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: nowSec() - 5.5 } });
    assert.equal(frac.status, 422, 'int64 seconds, not a fraction');
    const arr = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: [1] });
    assert.equal(arr.status, 422);
    const extra = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: nowSec() - 5, note: 'x' } });
    assert.equal(extra.status, 200, 'the schema does not forbid other properties');
  });

  it('404 for an unknown datagroup id', async () => {
    const { api, login } = await start();
    const r = await api('PATCH', '/api/4.0/datagroups/999', { auth: `token ${await login()}`, body: { triggered_at: nowSec() - 5 } });
    assert.equal(r.status, 404);
  });
});

describe('Looker sandbox: faults', () => {
  it('429 with Retry-After, counted down', async () => {
    const { api, login, group, sb } = await start();
    const auth = `token ${await login()}`;
    sb.state.faults.add({ route: 'patch', status: 429, count: 1, retryAfterSec: 7 });
    const r = await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: nowSec() - 5 } });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.equal((await api('PATCH', `/api/4.0/datagroups/${group.id}`, { auth, body: { triggered_at: nowSec() - 5 } })).status, 200);
  });

  it('an outage answers 503 on every route until it ends', async () => {
    const { api, run } = await start();
    await fetch(`${run.url}/_sandbox/outage`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ durationMs: 60_000 }) });
    assert.equal((await api('POST', '/api/4.0/login', { form: { client_id: ID, client_secret: SECRET } })).status, 503);
    await fetch(`${run.url}/_sandbox/outage`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ durationMs: 0 }) });
    assert.equal((await api('POST', '/api/4.0/login', { form: { client_id: ID, client_secret: SECRET } })).status, 200);
  });
});
