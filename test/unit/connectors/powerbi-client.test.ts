import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  DatasetPacer,
  PowerBiAuthError,
  PowerBiClient,
  PowerBiRateLimitedError,
  PowerBiRequestError,
  PowerBiTokenProvider,
  PowerBiUnavailableError,
  type PowerBiClientOptions,
  type PowerBiDatasetDefinition,
} from '../../../connectors/powerbi';
import { createPowerBiSandbox, type PowerBiSandbox, type PowerBiSandboxOptions, type RunningPowerBiSandbox } from '../../../sandbox/powerbi';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'S3cr3t~value.that-must-never-leak';
const GROUP = '99999999-8888-7777-6666-555555555555';

const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

const definition: PowerBiDatasetDefinition = {
  name: 'FreshBooks',
  tables: [
    {
      name: 'Invoices',
      columns: [
        { name: 'InvoiceId', dataType: 'Int64' },
        { name: 'Customer', dataType: 'String' },
        { name: 'IssuedAt', dataType: 'DateTime' },
      ],
    },
  ],
};
const invoices = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ InvoiceId: from + i, Customer: `c${from + i}`, IssuedAt: '2026-03-01T12:00:00Z' }));

interface Env {
  sb: PowerBiSandbox;
  run: RunningPowerBiSandbox;
  tokens: PowerBiTokenProvider;
  client: PowerBiClient;
  sleeps: number[];
}

/** Sandbox + provider + client; sleeps are recorded and skipped so retry tests take no wall time. */
async function start(opts: { sandbox?: PowerBiSandboxOptions; client?: Partial<PowerBiClientOptions>; secret?: string; now?: () => number } = {}): Promise<Env> {
  const sb = createPowerBiSandbox(opts.sandbox);
  sb.state.registerServicePrincipal({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, workspaces: [GROUP] });
  const run = await sb.listen();
  closers.push(run.close);
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const tokens = new PowerBiTokenProvider({
    authorityUrl: run.authorityUrl,
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: opts.secret ?? SECRET,
    sleep,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const client = new PowerBiClient({ apiBase: run.apiBase, groupId: GROUP, tokens, sleep, ...opts.client });
  return { sb, run, tokens, client, sleeps };
}

describe('PowerBiClient datasets', () => {
  it('looks a dataset up by name before creating it: ensuring twice creates one', async () => {
    const { sb, client } = await start();
    const first = await client.ensureDataset(definition, 'None');
    const second = await client.ensureDataset(definition, 'None');
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.dataset.id, first.dataset.id);
    assert.equal(sb.state.stats.datasetsCreated, 1);
    assert.equal(sb.state.stats.requests['datasets.create'], 1);
  });

  it('returns the oldest of same-name duplicates and says how many others exist', async () => {
    const { client } = await start();
    const a = await client.createDataset(definition, 'None');
    await client.createDataset(definition, 'basicFIFO');
    const found = await client.findDatasetByName('FreshBooks');
    assert.equal(found?.id, a.id);
    assert.equal(found?.duplicates, 1);
    assert.equal(await client.findDatasetByName('freshbooks'), undefined, 'names match exactly');
  });

  it('reads tables with their columns, replaces a table, deletes rows and the dataset', async () => {
    const { sb, client } = await start();
    const { id } = await client.createDataset(definition, 'None');
    assert.deepEqual(await client.getTables(id), [{ name: 'Invoices', columns: definition.tables[0]!.columns }]);
    await client.postRows(id, 'Invoices', invoices(3));
    await client.putTable(id, { name: 'Invoices', columns: [...definition.tables[0]!.columns, { name: 'Currency', dataType: 'String' }] });
    assert.equal((await client.getTables(id))[0]!.columns!.length, 4);
    await client.deleteRows(id, 'Invoices');
    assert.equal(sb.state.rows(id, 'Invoices').length, 0);
    await client.deleteDataset(id);
    assert.equal(sb.state.datasets(GROUP).length, 0);
  });

  it('turns a 400 into a non-retryable PowerBiRequestError with the server text and RequestId', async () => {
    const { client } = await start();
    const { id } = await client.createDataset(definition, 'None');
    const err = await client.postRows(id, 'Invoices', [{ InvoiceId: 1, Colour: 'red' }]).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PowerBiRequestError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'BadRequest');
    assert.equal(err.retryable, false);
    assert.match(err.message, /Colour/);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(err.message.includes(`RequestId ${err.requestId}`));

    const missing = await client.postRows('00000000-0000-0000-0000-000000000000', 'Invoices', invoices(1)).catch((e: unknown) => e);
    assert.ok(missing instanceof PowerBiRequestError);
    assert.equal(missing.code, 'ItemNotFound');
  });

  it('names the workspace problem when the service principal is not a member', async () => {
    const { client, run, tokens } = await start();
    const outsider = new PowerBiClient({ apiBase: run.apiBase, groupId: '12121212-3434-5656-7878-909090909090', tokens, sleep: async () => {} });
    const err = await outsider.listDatasets().catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiRequestError);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'PowerBINotAuthorizedException');
    assert.match(err.message, /Member\/Admin of the workspace/);
    assert.ok(await client.listDatasets());
  });
});

describe('PowerBiClient rows', () => {
  it('splits 25,000 rows into 3 requests that land in order', async () => {
    const { sb, client } = await start();
    const { id } = await client.createDataset(definition, 'None');
    const sizes: number[] = [];
    sb.state.onRowsPosted = (e) => sizes.push(e.rows);
    const result = await client.postRows(id, 'Invoices', invoices(25_000));
    assert.equal(result.requests, 3);
    assert.deepEqual(sizes, [10_000, 10_000, 5_000]);
    const ids = sb.state.rows(id, 'Invoices').map((r) => r.InvoiceId);
    assert.deepEqual(ids, Array.from({ length: 25_000 }, (_, i) => i));
  });

  it('keeps 20 concurrent postRows calls within 5 pending requests through the shared pacer', async () => {
    const { sb, client } = await start({ sandbox: { rowsLatencyMs: 40 }, client: { pacer: new DatasetPacer() } });
    const { id } = await client.createDataset(definition, 'None');
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.postRows(id, 'Invoices', invoices(10, i * 10))));
    assert.ok(sb.state.stats.maxPendingSeen <= 5, `saw ${sb.state.stats.maxPendingSeen} pending`);
    assert.equal(sb.state.stats.maxPendingSeen, 5, 'and actually used the parallelism');
    assert.equal(sb.state.stats.postRowsRejected429, 0);
    assert.equal(sb.state.rows(id, 'Invoices').length, 200);
  });

  it('waits out a 429 for Retry-After seconds and the rows land once', async () => {
    const { sb, client, sleeps } = await start();
    const { id } = await client.createDataset(definition, 'None');
    sb.state.injectFaults([{ scope: 'rows', status: 429, retryAfterSec: 2, count: 1 }]);
    await client.postRows(id, 'Invoices', invoices(3));
    assert.ok(sleeps.some((ms) => ms >= 2000), `sleeps: ${sleeps.join(',')}`);
    assert.deepEqual(sb.state.rows(id, 'Invoices').map((r) => r.InvoiceId), [0, 1, 2]);
  });

  it('backs off without Retry-After, then gives up with a retryable PowerBiRateLimitedError', async () => {
    const { sb, client, sleeps } = await start({ client: { maxRetryWaitMs: 10_000 } });
    const { id } = await client.createDataset(definition, 'None');
    sb.state.injectFaults([{ scope: 'rows', status: 429, count: 100 }]);
    const err = await client.postRows(id, 'Invoices', invoices(1)).catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiRateLimitedError);
    assert.equal(err.retryable, true);
    assert.ok(sleeps.reduce((a, b) => a + b, 0) <= 10_000);
    assert.ok(sleeps.length >= 2);
    assert.equal(sb.state.rows(id, 'Invoices').length, 0);
  });

  it('retries 5xx with backoff, then fails retryable', async () => {
    const { sb, client, sleeps } = await start({ client: { maxAttempts: 3 } });
    const { id } = await client.createDataset(definition, 'None');
    sb.state.injectFaults([{ scope: 'api', status: 503, count: 2 }]);
    await client.postRows(id, 'Invoices', invoices(2));
    assert.equal(sleeps.length, 2);
    assert.equal(sb.state.rows(id, 'Invoices').length, 2);
    sb.state.injectFaults([{ scope: 'api', status: 500, count: 3 }]);
    const err = await client.listDatasets().catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiUnavailableError);
    assert.equal(err.retryable, true);
  });

  it('does not retry a failed create blindly: ensureDataset looks the name up again first', async () => {
    let lookups = 0;
    const holder: { sb?: PowerBiSandbox } = {};
    const { sb, client } = await start({
      client: {
        onRequest: (e) => {
          // Fail the create that follows the first lookup, as a gateway error would.
          if (e.method === 'GET' && ++lookups === 1) holder.sb!.state.injectFaults([{ scope: 'api', status: 502, count: 1 }]);
        },
      },
    });
    holder.sb = sb;
    const r = await client.ensureDataset(definition, 'None');
    assert.equal(r.created, true);
    assert.equal(lookups, 3, 'lookup, failed create, lookup again, create, confirming lookup');
    assert.equal(sb.state.stats.requests['datasets.create'], 2);
    assert.equal(sb.state.stats.datasetsCreated, 1);

    sb.state.injectFaults([{ scope: 'api', status: 502, count: 1 }]);
    const err = await client.createDataset({ ...definition, name: 'Other' }, 'None').catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiUnavailableError, 'createDataset itself does not retry a 5xx');
  });

  it('two workers racing ensureDataset converge on one dataset', async () => {
    const { sb, client, run, tokens } = await start();
    const other = new PowerBiClient({ apiBase: run.apiBase, groupId: GROUP, tokens, sleep: async () => {} });
    const [a, b] = await Promise.all([client.ensureDataset(definition, 'None'), other.ensureDataset(definition, 'None')]);
    assert.equal(a.dataset.id, b.dataset.id);
    assert.equal(sb.state.datasets(GROUP).length, 1);
  });
});

describe('PowerBiTokenProvider', () => {
  it('shares one token request between concurrent callers', async () => {
    const { sb, tokens } = await start();
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.token()));
    assert.equal(new Set(got).size, 1);
    assert.equal(sb.state.stats.tokensIssued, 1);
  });

  it('requests a new token before the old one expires', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const now = () => clock;
    const { sb, client, tokens } = await start({ sandbox: { now }, now });
    const { id } = await client.createDataset(definition, 'None');
    const first = await tokens.token();
    clock += 54 * 60_000; // more than renewBeforeSec (300 s) left
    await client.postRows(id, 'Invoices', invoices(1));
    assert.equal(await tokens.token(), first);
    clock += 2 * 60_000; // inside the renewal window, still valid at the service
    await client.postRows(id, 'Invoices', invoices(1, 1));
    assert.notEqual(await tokens.token(), first);
    assert.equal(sb.state.stats.tokensIssued, 2);
    assert.equal(sb.state.stats.unauthorizedRequests, 0, 'never sent an expired token');
  });

  it('recovers from tokens expiring mid-run: 401 → new token, rows land once', async () => {
    const { sb, client } = await start({ sandbox: { rowsLatencyMs: 5 } });
    const { id } = await client.createDataset(definition, 'None');
    let chunks = 0;
    sb.state.onRowsPosted = () => {
      if (++chunks === 1) sb.state.expireTokens();
    };
    const result = await client.postRows(id, 'Invoices', invoices(25_000));
    assert.equal(result.requests, 3);
    const ids = sb.state.rows(id, 'Invoices').map((r) => r.InvoiceId);
    assert.deepEqual(ids, Array.from({ length: 25_000 }, (_, i) => i));
    assert.equal(sb.state.stats.tokensIssued, 2);
    assert.equal(sb.state.stats.unauthorizedRequests, 1);
  });

  it('reports a wrong secret as a non-retryable PowerBiAuthError without the secret', async () => {
    const wrong = `${SECRET}-old`;
    const { client, tokens } = await start({ secret: wrong });
    const err = await tokens.token().catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiAuthError);
    assert.equal(err.retryable, false);
    assert.equal(err.status, 401);
    assert.equal(err.aadError, 'invalid_client');
    assert.deepEqual(err.aadCodes, [7000215]);
    assert.match(err.message, /AADSTS7000215/);
    assert.ok(!err.message.includes(wrong) && !err.message.includes(SECRET));
    assert.ok(!err.message.includes('Trace ID'));
    const viaClient = await client.listDatasets().catch((e: unknown) => e);
    assert.ok(viaClient instanceof PowerBiAuthError);
  });

  it('names the refused value: unknown tenant, unknown client, wrong secret', async () => {
    const { run } = await start();
    const refused = async (o: { tenantId?: string; clientId?: string; clientSecret?: string }) => {
      const provider = new PowerBiTokenProvider({ authorityUrl: run.authorityUrl, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, ...o });
      const err = await provider.token().catch((e: unknown) => e);
      assert.ok(err instanceof PowerBiAuthError);
      return err.credentialField;
    };
    assert.equal(await refused({ tenantId: '00000000-0000-4000-8000-000000000000' }), 'tenantId');
    assert.equal(await refused({ clientId: '00000000-0000-4000-8000-000000000001' }), 'clientId');
    assert.equal(await refused({ clientSecret: 'wrong' }), 'clientSecret');
  });

  it('retries 5xx from Azure AD, then fails retryable', async () => {
    const { sb, tokens } = await start();
    sb.state.injectFaults([{ scope: 'token', status: 503, retryAfterSec: 1, count: 2 }]);
    assert.equal(typeof (await tokens.token()), 'string');
    assert.equal(tokens.requestCount, 3);
    tokens.invalidate();
    sb.state.injectFaults([{ scope: 'token', status: 500, count: 10 }]);
    const err = await tokens.token().catch((e: unknown) => e);
    assert.ok(err instanceof PowerBiUnavailableError);
    assert.equal(err.retryable, true);
  });
});

describe('DatasetPacer', () => {
  it('lets a burst of 10 go at once, then spreads the rest so no minute holds more than 120', async () => {
    let clock = 1_000_000;
    const starts: number[] = [];
    const pacer = new DatasetPacer({ now: () => clock, sleep: async (ms) => void (clock += ms) });
    for (let i = 0; i < 300; i++) {
      const release = await pacer.acquire('ds');
      starts.push(clock);
      release();
    }
    assert.deepEqual(starts.slice(0, 10), Array(10).fill(1_000_000), 'the burst is immediate');
    const gaps = starts.slice(11).map((t, i) => t - starts[i + 10]!);
    assert.ok(gaps.every((g) => g >= 545 && g <= 546), `then one every 60 s / 110 (${Math.min(...gaps)}–${Math.max(...gaps)} ms)`);
    let most = 0;
    for (let i = 0; i < starts.length; i++) most = Math.max(most, starts.filter((t) => t >= starts[i]! && t < starts[i]! + 60_000).length);
    assert.ok(most <= 120, `at most 120 starts in any minute (saw ${most})`);
    (await pacer.acquire('other'))(); // another dataset has its own budget
    assert.equal(starts.length, 300);
  });

  it('a dataset idle for a while gets its burst back', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const pacer = new DatasetPacer({ now: () => clock, sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) });
    for (let i = 0; i < 10; i++) (await pacer.acquire('ds'))();
    assert.deepEqual(sleeps, []);
    clock += 10 * 546;
    for (let i = 0; i < 10; i++) (await pacer.acquire('ds'))();
    assert.deepEqual(sleeps, []);
  });

  it('holds the 6th concurrent request until one of 5 is released', async () => {
    const pacer = new DatasetPacer({ now: () => 0, sleep: () => new Promise(() => {}) });
    const releases = await Promise.all(Array.from({ length: 5 }, () => pacer.acquire('ds')));
    let sixth = false;
    const pending = pacer.acquire('ds').then((r) => {
      sixth = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(sixth, false);
    assert.equal(pacer.inFlight('ds'), 5);
    releases[0]!();
    releases[0]!(); // releasing twice must not free two slots
    (await pending)();
    assert.equal(sixth, true);
    assert.equal(pacer.inFlight('ds'), 4);
  });

  it('counts a request against the window from when it finished', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const pacer = new DatasetPacer({ perMinute: 1, now: () => clock, sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) });
    const release = await pacer.acquire('ds');
    clock += 5_000; // the request took 5 s; the service may have counted it late
    release();
    (await pacer.acquire('ds'))();
    assert.equal(sleeps.reduce((a, b) => a + b, 0), 60_000);
    assert.equal(clock, 65_000, 'a minute after it finished, not after it started');
  });
});
