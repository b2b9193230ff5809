import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  LookerClient, LookerLoginRefusedError, LookerRateLimitedError, LookerUnavailableError, LookerUnknownDatagroupError, type LookerClientOptions,
} from '../../../connectors/looker';
import { createLookerSandbox, type LookerSandboxOptions } from '../../../sandbox/looker';

const ID = 'looker-id';
const SECRET = 'looker-secret-that-must-never-leak';
const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

async function start(opts: LookerSandboxOptions = {}, client: Partial<LookerClientOptions> = {}) {
  const sb = createLookerSandbox(opts);
  sb.state.addApiKey(ID, SECRET);
  const etl = sb.state.addDatagroup('finance', 'freshbooks_etl');
  const daily = sb.state.addDatagroup('finance', 'daily');
  const run = await sb.listen();
  closers.push(run.close);
  const looker = new LookerClient({ baseUrl: run.url, clientId: ID, clientSecret: SECRET, timeoutMs: 5_000, ...client });
  return { sb, run, looker, etl, daily };
}

describe('LookerClient', () => {
  it('logs in with a form body once and reuses the token', async () => {
    const { sb, looker } = await start();
    await looker.datagroups();
    await looker.datagroups();
    assert.equal(looker.logins, 1);
    assert.equal(sb.state.stats.queryCredentials, 0);
  });

  it('resolves model::datagroup names to ids, naming the first unknown one by index', async () => {
    const { looker, etl, daily } = await start();
    assert.deepEqual(await looker.resolveDatagroups(['finance::daily', 'finance::freshbooks_etl']), [
      { name: 'finance::daily', id: daily.id }, { name: 'finance::freshbooks_etl', id: etl.id },
    ]);
    await assert.rejects(looker.resolveDatagroups(['finance::daily', 'finance::nope']), (err) => err instanceof LookerUnknownDatagroupError && err.index === 1);
    await assert.rejects(looker.resolveDatagroups(['no-colons']), LookerUnknownDatagroupError);
  });

  it('triggers in whole seconds, a few seconds behind now, accepted even when Looker runs 3 s behind', async () => {
    const fixed = 1_790_000_123_987;
    const { sb, looker, etl } = await start({}, { now: () => fixed, skewAllowanceSec: 5 });
    sb.state.skewMs = fixed - Date.now() - 3_000;
    const sent = await looker.triggerDatagroup(etl.id);
    assert.equal(sent, 1_790_000_118);
    assert.equal(sb.state.triggers[0]!.triggeredAt, 1_790_000_118);
    assert.ok(Number.isInteger(sent));
  });

  it('logs in again when a call answers 401 (no refresh token exists)', async () => {
    const { sb, looker, etl } = await start();
    await looker.triggerDatagroup(etl.id);
    sb.state.expireAllTokens();
    await looker.triggerDatagroup(etl.id);
    assert.equal(looker.logins, 2);
    assert.equal(sb.state.triggers.length, 2);
  });

  it('logs in again 10 s before the hour runs out, without waiting for a 401', async () => {
    let now = Date.now();
    const { sb, looker } = await start({ now: () => now }, { now: () => now });
    await looker.datagroups();
    now += 3_589_000;
    await looker.datagroups();
    assert.equal(looker.logins, 1);
    now += 2_000;
    await looker.datagroups();
    assert.equal(looker.logins, 2);
    assert.equal(sb.state.stats.unauthorized, 0);
  });

  it('a wrong secret is LookerLoginRefusedError, and the secret is in no message', async () => {
    const { run } = await start();
    const wrong = new LookerClient({ baseUrl: run.url, clientId: ID, clientSecret: 'wrong-secret-value' });
    await assert.rejects(wrong.login(), (err) => err instanceof LookerLoginRefusedError && !err.message.includes('wrong-secret-value'));
  });

  it('a 404 on trigger is LookerUnknownDatagroupError', async () => {
    const { looker } = await start();
    await assert.rejects(looker.triggerDatagroup('999'), LookerUnknownDatagroupError);
  });

  it('429 carries Retry-After as retryAfterMs; 503 is LookerUnavailableError', async () => {
    const { sb, looker, etl } = await start();
    await looker.login();
    sb.state.faults.add({ route: 'patch', status: 429, count: 1, retryAfterSec: 12 });
    await assert.rejects(looker.triggerDatagroup(etl.id), (err) => err instanceof LookerRateLimitedError && err.retryAfterMs === 12_000 && err.retryable);
    sb.state.faults.add({ route: 'patch', status: 503, count: 1 });
    await assert.rejects(looker.triggerDatagroup(etl.id), (err) => err instanceof LookerUnavailableError && err.status === 503);
  });

  it('a base URL that already ends in /api/4.0 is not doubled', async () => {
    const { run, etl } = await start();
    const c = new LookerClient({ baseUrl: `${run.url}/api/4.0/`, clientId: ID, clientSecret: SECRET });
    assert.deepEqual(await c.resolveDatagroups(['finance::freshbooks_etl']), [{ name: 'finance::freshbooks_etl', id: etl.id }]);
  });

  it('a hung Looker ends at the timeout as LookerUnavailableError', async () => {
    const { createServer } = await import('node:http');
    const server = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const port = (server.address() as { port: number }).port;
    const c = new LookerClient({ baseUrl: `http://127.0.0.1:${port}`, clientId: ID, clientSecret: SECRET, timeoutMs: 200 });
    await assert.rejects(c.login(), LookerUnavailableError);
  });
});
