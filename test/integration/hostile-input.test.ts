import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { createLogger } from '../../common/logger';
import { startHarness, type Harness } from '../support/harness';
import { routesOf, type Route } from '../support/routes';
import { authorizeFreshBooks, createBigQueryConnection, createPowerBiConnection, createStoreConnection, eventually, waitForRuns } from '../support/flows';

/**
 * A generated sweep of hostile requests over every route the app has (read from its router, so a new
 * route is swept without anyone remembering to add it): every answer must be 4xx or better, never 5xx,
 * and what unauthenticated requests send must not change stored state beyond the one bounded,
 * by-design write (FreshBooks' unauthenticated callback.verify post).
 */

interface Probe { method: string; path: string; headers: Record<string, string>; body?: Buffer; what: string }
interface Answer { status?: number; body: string; error?: string }

const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
const fill = (path: string, values: Record<string, string>) => path.replace(/:(\w+)/g, (_, name: string) => values[name]!);

/** Percent-encodings and numbers that have broken id handling somewhere: sent raw, undecoded. */
const HOSTILE_SEGMENTS = [
  '%', '%%', '%zz', '%u0000', '%c0%af', '%e0%80%af', '%f0%80%80%af', '%ed%a0%80', '%ff', '%e2%82', '%00', 'x%00y', '%01', '%0a', '%0d%0a',
  '%1b', '%7f', '%2f', '%2e%2e', '%5c', '%25', '%27%3b--', '%e2%80%ae', '%ef%bb%bf1', '1e3', '0x10', '%20%207', '7%20', '-0', '-1', '0', '1.5',
  'NaN', 'Infinity', '9223372036854775808', '18446744073709551616', '1e400', 'x'.repeat(3000),
];
const HOSTILE_VALUES = [
  '', '%', '%zz', '%c0%af', '%ed%a0%80', '%00', 'a%00', '%0a', '%7f', '1e400', '9223372036854775808', '-0', 'NaN', '0x10', '1e3', '%20%207', 'x'.repeat(4000),
];
const QUERY_KEYS = ['state', 'code', 'error', 'after', 'limit', 'mode', 'x'];
const QUERY_BASE = 'code=abc&state=abcdefghijklmnopqrstuvwxyz012345&after=1&limit=5';

const J = 'application/json';
const FORM = 'application/x-www-form-urlencoded';
const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);

/** Bodies with the wrong type, charset or encoding, broken or bombed compression, bad JSON and bad forms. */
function hostileBodies(): { what: string; headers: Record<string, string>; body: Buffer }[] {
  const b = (s: string) => Buffer.from(s);
  const out: { what: string; headers: Record<string, string>; body: Buffer }[] = [];
  const add = (what: string, type: string | undefined, body: Buffer | string, extra: Record<string, string> = {}) =>
    out.push({ what, headers: { ...(type ? { 'content-type': type } : {}), ...extra }, body: Buffer.isBuffer(body) ? body : b(body) });
  // Content types and charsets.
  for (const type of [undefined, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', ';;;', 'application/json; charset=latin1',
    'application/json; charset=utf-16', 'application/json; charset=bogus-9', 'application/json; charset=', `${FORM}; charset=iso-8859-1`, 'application/*', '*/*']) {
    add(`type ${type}`, type, '{"mode":"bogus"}');
  }
  // Content-Encoding: unknown, stacked, broken, truncated, and a bomb.
  const gz = gzipSync(b('{}'));
  for (const [enc, body] of [
    ['gzip', b('not gzip')], ['gzip', gz.subarray(0, gz.length - 6)], ['deflate', b('not deflate')], ['br', b('not brotli')], ['zstd', b('not zstd')],
    ['compress', b('{}')], ['x-unknown', b('{}')], ['gzip, gzip', gz], ['gzip', deflateSync(b('{}'))], ['br', brotliCompressSync(b('{'))],
    ['gzip', gzipSync(Buffer.alloc(20_000_000, 0x61))], ['deflate', deflateSync(b(deep(5000, '[', ']')))],
  ] as const) {
    add(`encoding ${enc}`, J, body, { 'content-encoding': enc });
    add(`form encoding ${enc}`, FORM, body, { 'content-encoding': enc });
  }
  // JSON that is not JSON, not an object, too deep, too big, or that carries NUL and huge numbers.
  for (const raw of ['', '{', 'null', '"x"', '1', '[]', '{"a":', '\u0000', '\ufeff{}', '{"a":"\\ud800"}', '{"\\u0000":1}', '{"a":"\\u0000"}',
    '{"mode":"full","mode":"bogus"}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1e400}', '{"a":-0}',
    deep(10_000, '[', ']'), `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, `{"a":"${'x'.repeat(300_000)}"}`]) {
    add(`json ${raw.slice(0, 24)}`, J, raw);
  }
  add('json bytes ff fe', J, Buffer.from([0xff, 0xfe, 0x7b, 0x7d]));
  add('json oversized 9mb', J, `{"a":"${'x'.repeat(9_000_000)}"}`);
  // Each field our handlers read, with each hostile JSON value.
  const fields = ['mode', 'reauthorizeGrantId', 'authorizationId', 'businessIds', 'businessId', 'entity', 'recordId', 'from', 'to', 'payloads', 'store', 'destination', 'settings'];
  const values = ['null', '"\\u0000"', '""', `"${'x'.repeat(100_000)}"`, '9223372036854775808', '1e400', '-0', '"NaN"', '[]', '{}', 'true', '[1,"\\u0000"]', '{"a":{"b":"\\u0000"}}'];
  for (const f of fields) for (const v of values) add(`field ${f}=${v.slice(0, 16)}`, J, `{"${f}":${v}}`);
  add('entity with NUL record', J, '{"entity":"invoices","recordId":"\\u0000"}');
  add('entity with huge from', J, '{"entity":"invoices","from":"99999-01-01T00:00:00Z"}');
  add('codec garbage ciphertext', J, JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') }, data: Buffer.from('garbage').toString('base64') }] }));
  add('codec bad base64', J, JSON.stringify({ payloads: [{ metadata: { encoding: '!!!!' }, data: '%%%%' }] }));
  add('codec NUL metadata', J, JSON.stringify({ payloads: [{ metadata: { '\u0000': '\u0000' }, data: '' }] }));
  // Forms: repeated keys, bad escapes, NUL, huge and non-canonical numbers, oversize.
  for (const raw of ['%', '&&&', '=', 'a=1&a=2', 'name=%zz&object_id=1', 'name=invoice.create&object_id=%00', 'name=invoice.create&object_id=1e3',
    'name=invoice.create&object_id=0x10', 'name=invoice.create&object_id=99999999999999999999', 'name=callback.verify&object_id=1&verifier=%00',
    'name=callback.verify&object_id=99999999999999999999&verifier=v', 'name=callback.verify&object_id=0&verifier=v',
    'name=callback.verify&name=invoice.create&object_id=1&object_id=2&verifier=a&verifier=b', 'name=invoice.update&object_id=1&account_id=%00',
    `name=callback.verify&object_id=1&verifier=${'v'.repeat(20_000)}`, 'name=%00&object_id=1', 'name=callback.verify&object_id=%201&verifier=v']) {
    add(`form ${raw.slice(0, 32)}`, FORM, raw);
  }
  return out;
}

function send(port: number, agent: http.Agent, p: Probe): Promise<Answer> {
  return new Promise((resolve) => {
    let answered: Answer | undefined;
    const req = http.request({ host: '127.0.0.1', port, agent, method: p.method, path: p.path, headers: { ...p.headers, ...(p.body ? { 'content-length': String(p.body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answered = { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve(answered ?? { status: res.statusCode, body: '', error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
    // A server may answer (413, 401, 415) before reading a large body and close: the answer counts.
    req.on('error', (err) => resolve(answered ?? { body: '', error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(p.body);
  });
}

async function sweep(port: number, probes: Probe[], concurrency = 6): Promise<{ probe: Probe; answer: Answer }[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const results: { probe: Probe; answer: Answer }[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < probes.length) {
      const probe = probes[next++]!;
      results.push({ probe, answer: await send(port, agent, probe) });
    }
  }));
  agent.destroy();
  return results;
}

describe('hostile input: a generated sweep over every route (real Postgres and Temporal)', () => {
  let h: Harness;
  let app: Express;
  let server: http.Server;
  let port: number;
  let values: (authed: boolean) => (route: Route, name: string) => string[];
  let ids: { bigquery: string; store: string };
  let consoleSession: Record<string, string>;
  const bodies = hostileBodies();

  before(async () => {
    // A running system, settled first: a worker answers status queries, and nothing is mid-run while
    // the unauthenticated pass is compared before and after.
    h = await startHarness();
    const bigquery = await createBigQueryConnection(h, { datasetId: 'hostile', settings: { entities: ['clients'] } });
    const powerbi = await createPowerBiConnection(h, { settings: { entities: ['clients'], webhooks: false } });
    const store = await createStoreConnection(h, { settings: { backfillDays: 0 } });
    await waitForRuns(h, bigquery.connectionId, 1);
    await waitForRuns(h, powerbi.connectionId, 1);
    await eventually('first store sweep', async () => ((await h.workflows.storeStatus(store.connectionId))?.polls ?? 0) >= 1 || undefined, 60_000);
    const auth = await authorizeFreshBooks(h);
    ids = { bigquery: bigquery.connectionId, store: store.connectionId };
    const connectionIds = [bigquery.connectionId, powerbi.connectionId, store.connectionId, 'conn_unknown'];
    values = (authed) => (route, name) => {
      if (name === 'token') return [authed ? h.env.CODEC_TOKEN! : 'not-the-codec-token-not-the-codec-token'];
      if (name === 'orderId') return ['1', '100'];
      if (name === 'entity') return ['invoices'];
      if (name === 'recordId') return ['1'];
      if (name === 'id' && route.path.includes('/authorizations/:id')) return [auth.authorizationId, 'auth_unknown'];
      if (name === 'id' || name === 'connectionId') return connectionIds;
      if (name === 'name' && route.path.startsWith('/console/assets')) return ['htmx.js', 'unknown.js'];
      throw new Error(`${route.method} ${route.path}: the sweep has no values for :${name}; add them here`);
    };
    // The console's pages are reached with a session and its CSRF token, as a signed-in browser sends them.
    const login = await fetch(`${h.apiUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ token: h.env.ADMIN_TOKEN! }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${h.apiUrl}/console/connections`, { headers: { cookie } })).text();
    consoleSession = { cookie, 'x-csrf-token': /"X-CSRF-Token": "([\w-]+)"/.exec(page)![1]! };
    // The same app the service runs, on a server of our own so its router can be read.
    app = createApp({ config: h.config, db: h.db, workflows: h.workflows, logger: createLogger('silent') });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await h?.close();
  });

  /** Every probe for one route: each parameter made hostile, hostile queries, hostile bodies. */
  function probesFor(route: Route, authed: boolean): Probe[] {
    const pick = values(authed);
    const names = paramsOf(route.path);
    const bases: string[] = [];
    // Every valid value of every parameter appears in some base path.
    const width = Math.max(1, ...names.map((n) => pick(route, n).length));
    for (let i = 0; i < width; i++) bases.push(fill(route.path, Object.fromEntries(names.map((n) => { const v = pick(route, n); return [n, v[i % v.length]!]; }))));
    // The codec server has a credential of its own; the admin token is refused there.
    const token = route.path.startsWith('/codec') ? h.env.CODEC_TOKEN : h.env.ADMIN_TOKEN;
    const headers: Record<string, string> = !authed ? {} : route.path.startsWith('/console') ? consoleSession : { authorization: `Bearer ${token}` };
    const probes: Probe[] = [];
    const add = (path: string, what: string, extra: Partial<Probe> = {}) => probes.push({ method: route.method, path, headers: { ...headers, ...extra.headers }, ...(extra.body ? { body: extra.body } : {}), what });
    for (const base of bases) add(base, 'baseline');
    for (const name of names) {
      const valid = pick(route, name)[0]!;
      for (const seg of [...HOSTILE_SEGMENTS, `${valid}%00`, `${valid}%zz`, `${valid}%0a`, `${valid}x`, `%20${valid}`]) {
        const others = Object.fromEntries(names.map((n) => [n, pick(route, n)[0]!]));
        add(fill(route.path, { ...others, [name]: seg }), `:${name}=${seg.slice(0, 24)}`);
      }
    }
    const queries: string[] = ['%', '&&&', '=', '===', '%00=%00', 'a[b][c]=1', '__proto__[x]=1', 'constructor[prototype][x]=1'];
    const keys = route.method === 'GET' ? QUERY_KEYS : ['state', 'mode'];
    for (const k of keys) {
      queries.push(`${k}=1&${k}=2`, `${k}[a]=1`, `${k}[]=1`);
      for (const v of HOSTILE_VALUES) queries.push(`${k}=${v}`, ...(route.method === 'GET' ? [`${QUERY_BASE.replace(new RegExp(`(^|&)${k}=[^&]*`), '$1')}&${k}=${v}`] : []));
    }
    queries.forEach((q, i) => add(`${bases[i % bases.length]}?${q}`, `?${q.slice(0, 40)}`));
    const sendBodies = route.method === 'GET' ? bodies.filter((x) => /^(type text|encoding gzip|json \{$)/.test(x.what)) : bodies;
    sendBodies.forEach((x, i) => add(bases[i % bases.length]!, x.what, { headers: x.headers, body: x.body }));
    return probes;
  }

  async function tableStates(): Promise<Map<string, { rows: number; digest: string }>> {
    const { rows: tables } = await h.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
    const states = new Map<string, { rows: number; digest: string }>();
    for (const { name } of tables) {
      const { rows } = await h.db.query<{ n: string; d: string | null }>(`SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS d FROM "${name}" t`);
      states.set(name, { rows: Number(rows[0]!.n), digest: rows[0]!.d ?? '' });
    }
    return states;
  }

  const leaks = (body: string) => /invalid byte sequence|node_modules|\bat [\w.<>]+ \(|SELECT |INSERT |ECONNREFUSED|Error: /.test(body) || body.includes(h.env.ADMIN_TOKEN!) || body.includes(h.env.CODEC_TOKEN!);

  function failures(results: { probe: Probe; answer: Answer }[]): string[] {
    return results
      .filter(({ answer }) => answer.status === undefined || answer.status >= 500 || (answer.status >= 400 && leaks(answer.body)))
      .map(({ probe, answer }) => `${answer.status ?? answer.error} ${probe.method} ${probe.path.slice(0, 80)} [${probe.what}] ${answer.body.slice(0, 120)}`);
  }

  // Runs before the sweep, whose deletes end these connections.
  test('lenient inputs that used to be accepted are refused, and refused ones store nothing', async () => {
    const call = (method: string, path: string, type?: string, body?: string) => send(port, http.globalAgent, {
      method, path, what: '', headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}`, ...(type ? { 'content-type': type } : {}) }, ...(body !== undefined ? { body: Buffer.from(body) } : {}),
    });
    const states = async () => Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM oauth_states')).rows[0]!.n);
    const issued = await states();
    const start = '/api/freshbooks/authorizations';
    assert.equal((await call('POST', start, 'text/plain', '{}')).status, 415);
    assert.equal((await call('POST', start, 'application/json', '{"extra":1}')).status, 400);
    assert.equal((await call('POST', start, 'application/json', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)).status, 400);
    assert.equal((await call('POST', start, 'application/json', '{"reauthorizeGrantId":"\\u0000"}')).status, 400);
    assert.equal(await states(), issued, 'no refused start issued a state');
    assert.equal((await call('POST', start, 'application/json', '{}')).status, 201, 'a plain start still works');

    const sync = `/api/connections/${ids.bigquery}/sync`;
    assert.equal((await call('POST', sync, 'text/plain', '{"mode":"bogus"}')).status, 415);
    assert.equal((await call('POST', sync, 'application/json', '{"mode":"bogus"}')).status, 400);
    assert.equal((await call('POST', sync, 'application/json', '{"mode":"full","extra":1}')).status, 400);
    assert.equal((await call('POST', sync, 'application/json; charset=latin1', '{}')).status, 415);
    assert.equal((await call('POST', sync, 'application/json', 'garbage')).status, 400);

    const orders = `/api/connections/${ids.store}/orders`;
    for (const id of ['1e3', '0x10', '%20%207', '07', '9007199254740993', '-0']) {
      assert.equal((await call('GET', `${orders}/${id}`)).status, 400, `order id ${id}`);
      assert.equal((await call('POST', `${orders}/${id}/retry`)).status, 400, `retry of order id ${id}`);
    }
    for (const q of ['after=0x10', 'after=1e3', 'limit=%20%207', 'limit=1&limit=2']) assert.equal((await call('GET', `${orders}?${q}`)).status, 400, q);
    assert.equal((await call('GET', `${orders}?limit=1`)).status, 200);

    const garbage = JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') }, data: Buffer.from('not ciphertext').toString('base64') }] });
    const decoded = await call('POST', `/codec/${h.env.CODEC_TOKEN}/decode`, 'application/json', garbage);
    assert.equal(decoded.status, 400);
    assert.doesNotMatch(decoded.body, /Error|at /);
  });

  test('every route answers every hostile request below 500, and unauthenticated ones leave stored state as it was', async () => {
    const routes = routesOf(app);
    // The router is read, not listed by hand; a sweep of a handful would mean the walk broke.
    assert.ok(routes.length >= 20, `found only ${routes.length} routes: ${JSON.stringify(routes)}`);
    for (const r of routes) for (const name of paramsOf(r.path)) values(true)(r, name);
    // Deletes go last so the other routes still see live connections.
    routes.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

    const started = Date.now();
    const before = await tableStates();
    const unauthenticated = await sweep(port, routes.flatMap((r) => probesFor(r, false)));
    const afterUnauth = await tableStates();
    const authenticated = await sweep(port, routes.flatMap((r) => probesFor(r, true)));
    const elapsed = Date.now() - started;
    const all = [...unauthenticated, ...authenticated];
    console.log(`hostile sweep: ${routes.length} routes, ${all.length} requests (${unauthenticated.length} unauthenticated), ${elapsed} ms`);

    // Each route was reached: its valid-id baseline did not fall through to the catch-all 404.
    for (const r of routes) {
      const baseline = authenticated.filter(({ probe }) => probe.what === 'baseline' && probe.method === r.method && new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`).test(probe.path));
      assert.ok(baseline.length > 0 && baseline.some(({ answer }) => answer.body !== '{"error":"not found"}'), `${r.method} ${r.path} was never routed`);
    }
    const bad = failures(all);
    assert.deepEqual(bad.slice(0, 40), [], `${bad.length} answers were 5xx, missing or leaky`);

    // The only unauthenticated write is FreshBooks' callback.verify post, capped per connection
    // (MAX_CALLBACKS_PER_CONNECTION in the route): a verifier credential and a callback row each.
    const freshbooksConnections = 2;
    for (const [table, was] of before) {
      const now = afterUnauth.get(table)!;
      if (table === 'credentials' || table === 'webhook_callbacks') {
        assert.ok(now.rows - was.rows <= 100 * freshbooksConnections, `${table} grew by ${now.rows - was.rows} rows from unauthenticated requests`);
      } else if (table === 'request_budgets' || table === 'service_counters') {
        // Pacing state and running totals: their values move with every FreshBooks call, the confirmations the
        // verify posts above lead to included. What must not happen is growth: one row per account, one per
        // figure, whatever the requests carried.
        assert.ok(now.rows - was.rows <= 4, `${table} grew by ${now.rows - was.rows} rows from unauthenticated requests`);
      } else {
        assert.deepEqual(now, was, `unauthenticated requests changed ${table}`);
      }
    }
  });
});
