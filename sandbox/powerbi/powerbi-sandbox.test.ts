import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPowerBiSandbox, POWER_BI_SCOPE, type PowerBiSandbox, type PowerBiSandboxOptions, type RunningPowerBiSandbox } from '.';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'S3cr3t~value.that-must-never-leak';
const GROUP = '99999999-8888-7777-6666-555555555555';
const OTHER_GROUP = '12121212-3434-5656-7878-909090909090';

const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

interface Env {
  sb: PowerBiSandbox;
  run: RunningPowerBiSandbox;
  token(): Promise<string>;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; headers: Headers; body: any; text: string }>;
}

async function start(opts: PowerBiSandboxOptions = {}): Promise<Env> {
  const sb = createPowerBiSandbox(opts);
  sb.state.registerServicePrincipal({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, workspaces: [GROUP] });
  const run = await sb.listen();
  closers.push(run.close);
  const token = async () => {
    const r = await tokenRequest(run, TENANT, { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: POWER_BI_SCOPE });
    assert.equal(r.status, 200);
    return r.body.access_token as string;
  };
  let cached: string | undefined;
  const api: Env['api'] = async (method, path, body, tok) => {
    const bearer = tok === null ? undefined : (tok ?? (cached ??= await token()));
    const res = await fetch(`${run.apiBase}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
  };
  return { sb, run, token, api };
}

async function tokenRequest(run: RunningPowerBiSandbox, tenant: string, form: Record<string, string>) {
  const res = await fetch(`${run.authorityUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

const definition = (name = 'FreshBooks') => ({
  name,
  defaultMode: 'Push',
  tables: [
    {
      name: 'Invoices',
      columns: [
        { name: 'InvoiceId', dataType: 'Int64' },
        { name: 'Amount', dataType: 'Double' },
        { name: 'Paid', dataType: 'bool' },
        { name: 'IssuedAt', dataType: 'DateTime' },
        { name: 'Customer', dataType: 'string' },
      ],
    },
  ],
});

async function createDataset(env: Env, retention = 'None', name = 'FreshBooks'): Promise<string> {
  const r = await env.api('POST', `/groups/${GROUP}/datasets?defaultRetentionPolicy=${retention}`, definition(name));
  assert.equal(r.status, 201, r.text);
  return r.body.id as string;
}

const rowsPath = (datasetId: string, table = 'Invoices') => `/groups/${GROUP}/datasets/${datasetId}/tables/${table}/rows`;
const invoice = (i: number) => ({ InvoiceId: i, Amount: i * 1.5, Paid: i % 2 === 0, IssuedAt: '2026-03-01T12:00:00Z', Customer: `c${i}` });

describe('Power BI sandbox: token endpoint', () => {
  it('issues a Bearer token for the Power BI .default scope', async () => {
    const { run } = await start();
    const r = await tokenRequest(run, TENANT, { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: POWER_BI_SCOPE });
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 3599);
    assert.equal(r.body.ext_expires_in, 3599);
    assert.equal(typeof r.body.access_token, 'string');
  });

  it('answers in the AAD error shape with the documented codes, never echoing the secret', async () => {
    const { run, sb } = await start();
    const good = { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: POWER_BI_SCOPE };
    const cases: Array<[string, Record<string, string>, number, string, number | undefined]> = [
      ['unknown tenant', good, 400, 'invalid_request', 90002],
      ['unknown client', { ...good, client_id: 'ffffffff-0000-0000-0000-000000000000' }, 400, 'unauthorized_client', 700016],
      ['wrong secret', { ...good, client_secret: `${SECRET}-wrong` }, 401, 'invalid_client', 7000215],
      ['bad scope', { ...good, scope: 'https://analysis.windows.net/powerbi/api/Dataset.ReadWrite.All' }, 400, 'invalid_scope', 1002012],
      ['wrong grant', { ...good, grant_type: 'password' }, 400, 'unsupported_grant_type', undefined],
    ];
    for (const [label, form, status, error, code] of cases) {
      const r = await tokenRequest(run, label === 'unknown tenant' ? 'no-such-tenant' : TENANT, form);
      assert.equal(r.status, status, label);
      assert.equal(r.body.error, error, label);
      if (code !== undefined) {
        assert.deepEqual(r.body.error_codes, [code], label);
        assert.match(r.body.error_description, new RegExp(`^AADSTS${code}: `), label);
      }
      for (const k of ['timestamp', 'trace_id', 'correlation_id']) assert.equal(typeof r.body[k], 'string', `${label} ${k}`);
      assert.ok(!r.text.includes(SECRET), `${label} leaks the secret`);
    }
    assert.equal(sb.state.stats.tokensIssued, 0);
    assert.equal(sb.state.stats.tokenRejections, cases.length);
  });

  it('answers injected token faults with Retry-After', async () => {
    const { run, sb } = await start();
    sb.state.injectFaults([{ scope: 'token', status: 503, retryAfterSec: 3, count: 1 }]);
    const res = await fetch(`${run.authorityUrl}/${TENANT}/oauth2/v2.0/token`, { method: 'POST' });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '3');
  });
});

describe('Power BI sandbox: authentication and workspaces', () => {
  it('requires a Bearer token and answers every call with a RequestId', async () => {
    const env = await start();
    const r = await env.api('GET', `/groups/${GROUP}/datasets`, undefined, null);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'PowerBINotAuthorizedException');
    assert.match(r.headers.get('requestid') ?? '', /^[0-9a-f-]{36}$/);
    const bogus = await env.api('GET', `/groups/${GROUP}/datasets`, undefined, 'not-a-token');
    assert.equal(bogus.status, 401);
  });

  it('refuses workspaces the service principal is not in, and My-workspace routes', async () => {
    const env = await start();
    assert.equal((await env.api('GET', `/groups/${OTHER_GROUP}/datasets`)).body.error.code, 'PowerBINotAuthorizedException');
    const mine = await env.api('GET', '/datasets');
    assert.equal(mine.status, 401);
    assert.equal(mine.body.error.code, 'PowerBINotAuthorizedException');
  });

  it('answers 401 TokenExpired once tokens expire', async () => {
    const env = await start();
    assert.equal((await env.api('GET', `/groups/${GROUP}/datasets`)).status, 200);
    env.sb.state.expireTokens();
    const r = await env.api('GET', `/groups/${GROUP}/datasets`);
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' } });
  });

  it('expires tokens by the injected clock', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const env = await start({ now: () => clock, tokenTtlSec: 60 });
    const tok = await env.token();
    assert.equal((await env.api('GET', `/groups/${GROUP}/datasets`, undefined, tok)).status, 200);
    clock += 61_000;
    assert.equal((await env.api('GET', `/groups/${GROUP}/datasets`, undefined, tok)).body.error.code, 'TokenExpired');
  });
});

describe('Power BI sandbox: datasets and tables', () => {
  it('creates a push dataset and lists it with its tables', async () => {
    const env = await start();
    const id = await createDataset(env, 'basicFIFO');
    const list = await env.api('GET', `/groups/${GROUP}/datasets`);
    assert.equal(list.status, 200);
    assert.equal(typeof list.body['@odata.context'], 'string');
    assert.equal(list.body.value.length, 1);
    assert.equal(list.body.value[0].id, id);
    assert.equal(list.body.value[0].name, 'FreshBooks');
    assert.equal(list.body.value[0].addRowsAPIEnabled, true);
    assert.equal(list.body.value[0].isRefreshable, false);
    assert.equal(list.body.value[0].defaultRetentionPolicy, 'basicFIFO');
    const tables = await env.api('GET', `/groups/${GROUP}/datasets/${id}/tables`);
    assert.deepEqual(tables.body.value[0].columns.map((c: { dataType: string }) => c.dataType), ['Int64', 'Double', 'Boolean', 'DateTime', 'String']);
    assert.equal(env.sb.state.stats.datasetsCreated, 1);
  });

  it('allows a second dataset with the same name (the real quirk)', async () => {
    const env = await start();
    const a = await createDataset(env);
    const b = await createDataset(env);
    assert.notEqual(a, b);
    assert.equal(env.sb.state.datasets(GROUP).filter((d) => d.name === 'FreshBooks').length, 2);
  });

  it('rejects property names in the wrong case with the OData message', async () => {
    const env = await start();
    const body = { name: 'X', defaultMode: 'Push', tables: [{ name: 'T', columns: [{ name: 'A', datatype: 'Int64' }] }] };
    const r = await env.api('POST', `/groups/${GROUP}/datasets`, body);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'BadRequest');
    assert.equal(r.body.error.message, 'Bad Request');
    assert.equal(
      r.body.error.details[0].message,
      "The property 'datatype' does not exist on type 'Microsoft.PowerBI.ServiceContracts.Api.Column'. Make sure to only use property names that are defined by the type.",
    );
    assert.equal(env.sb.state.datasets().length, 0);
  });

  it('enforces table name length, column count and data types', async () => {
    const env = await start();
    const post = (tables: unknown) => env.api('POST', `/groups/${GROUP}/datasets`, { name: 'X', defaultMode: 'Push', tables });
    assert.equal((await post([{ name: 'x'.repeat(101), columns: [{ name: 'A', dataType: 'Int64' }] }])).status, 400);
    assert.equal((await post([{ name: 'T', columns: [{ name: 'A', dataType: 'Money' }] }])).status, 400);
    const many = Array.from({ length: 76 }, (_, i) => ({ name: `C${i}`, dataType: 'String' }));
    assert.equal((await post([{ name: 'T', columns: many }])).status, 400);
    assert.equal((await post([{ name: 'T', columns: [{ name: 'A', dataType: 'decimal' }] }])).status, 201);
  });

  it('PUT table replaces columns, keeping values of surviving columns', async () => {
    const env = await start();
    const id = await createDataset(env);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(1)] })).status, 200);
    const r = await env.api('PUT', `/groups/${GROUP}/datasets/${id}/tables/Invoices`, {
      name: 'Invoices',
      columns: [
        { name: 'InvoiceId', dataType: 'Int64' },
        { name: 'Customer', dataType: 'String' },
        { name: 'Currency', dataType: 'String' },
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { name: 'Invoices' });
    assert.deepEqual(env.sb.state.rows(id, 'Invoices'), [{ InvoiceId: 1, Customer: 'c1' }]);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(2)] })).status, 400, 'Amount is gone');
  });

  it('deletes a dataset', async () => {
    const env = await start();
    const id = await createDataset(env);
    assert.equal((await env.api('DELETE', `/groups/${GROUP}/datasets/${id}`)).status, 200);
    assert.equal((await env.api('GET', `/groups/${GROUP}/datasets/${id}/tables`)).body.error.code, 'ItemNotFound');
  });
});

describe('Power BI sandbox: rows', () => {
  it('stores rows in order and answers 200 with an empty body', async () => {
    const seen: number[] = [];
    const env = await start({ onRowsPosted: (e) => seen.push(e.rows) });
    const id = await createDataset(env);
    const r = await env.api('POST', rowsPath(id), { rows: [invoice(1), invoice(2), { InvoiceId: 3, Customer: null }] });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.deepEqual(env.sb.state.rows(id, 'Invoices').map((x) => x.InvoiceId), [1, 2, 3]);
    assert.deepEqual(env.sb.state.rowsByName(GROUP, 'FreshBooks', 'Invoices').length, 3);
    assert.deepEqual(seen, [3]);
    assert.equal(env.sb.state.stats.rowsPosted, 3);
  });

  it('refuses bad payloads as a whole, adding nothing', async () => {
    const env = await start();
    const id = await createDataset(env);
    const bad: Array<[string, unknown[]]> = [
      ['unknown column', [invoice(1), { InvoiceId: 2, Colour: 'red' }]],
      ['fractional Int64', [invoice(1), { InvoiceId: 2.5 }]],
      ['string for Double', [{ Amount: '12.50' }]],
      ['number for Boolean', [{ Paid: 1 }]],
      ['unparseable DateTime', [{ IssuedAt: 'yesterday' }]],
      ['number for String', [{ Customer: 42 }]],
      ['4001-char string', [invoice(1), { Customer: 'x'.repeat(4001) }]],
      ['10,001 rows', Array.from({ length: 10_001 }, (_, i) => ({ InvoiceId: i }))],
    ];
    for (const [label, rows] of bad) {
      const r = await env.api('POST', rowsPath(id), { rows });
      assert.equal(r.status, 400, label);
      assert.equal(r.body.error.code, 'BadRequest', label);
      assert.ok(r.body.error.details[0].message.length > 0, label);
    }
    const unknown = await env.api('POST', rowsPath(id), { rows: [{ InvoiceId: 1, Colour: 'red' }] });
    assert.match(unknown.body.error.details[0].message, /Colour/);
    assert.equal(env.sb.state.rows(id, 'Invoices').length, 0);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [{ Customer: 'x'.repeat(4000) }] })).status, 200);
    assert.equal((await env.api('POST', rowsPath(id), { rows: Array.from({ length: 10_000 }, (_, i) => ({ InvoiceId: i })) })).status, 200);
  });

  it('answers 404 ItemNotFound for an unknown dataset or table', async () => {
    const env = await start();
    const id = await createDataset(env);
    assert.equal((await env.api('POST', rowsPath('00000000-0000-0000-0000-000000000000'), { rows: [] })).body.error.code, 'ItemNotFound');
    assert.equal((await env.api('POST', rowsPath(id, 'Nope'), { rows: [] })).status, 404);
  });

  it('answers 429 with Retry-After after 120 posts in a rolling minute', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const env = await start({ now: () => clock });
    const id = await createDataset(env);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(0)] })).status, 200);
    clock += 10_000;
    for (let i = 1; i < 120; i++) assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(i)] })).status, 200);
    const limited = await env.api('POST', rowsPath(id), { rows: [invoice(120)] });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '50');
    clock += 50_000; // the first post leaves the window
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(121)] })).status, 200);
    const again = await env.api('POST', rowsPath(id), { rows: [invoice(122)] });
    assert.equal(again.status, 429);
    assert.equal(again.headers.get('retry-after'), '10', 'the 119 posts made at +10 s are next to leave');
    clock += 9_500;
    const almost = await env.api('POST', rowsPath(id), { rows: [invoice(122)] });
    assert.equal(almost.headers.get('retry-after'), '1', 'rounded up, never 0');
    assert.equal(env.sb.state.rows(id, 'Invoices').length, 121);
    assert.equal(env.sb.state.stats.postRowsRejected429, 3);
  });

  it('caps posts per hour once a table is large, and rows per hour per dataset', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const env = await start({ now: () => clock, limits: { largeTableRows: 2, postsPerHourLargeTable: 3, rowsPerHourPerDataset: 6 } });
    const id = await createDataset(env);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(1), invoice(2)] })).status, 200);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(3)] })).status, 200);
    clock += 120_000; // the minute window is irrelevant now: the table is "large"
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(4)] })).status, 200);
    const hourly = await env.api('POST', rowsPath(id), { rows: [invoice(5)] });
    assert.equal(hourly.status, 429);
    assert.equal(Number(hourly.headers.get('retry-after')), 3600 - 120);

    const env2 = await start({ now: () => clock, limits: { rowsPerHourPerDataset: 6 } });
    const id2 = await createDataset(env2);
    assert.equal((await env2.api('POST', rowsPath(id2), { rows: [1, 2, 3, 4].map(invoice) })).status, 200);
    assert.equal((await env2.api('POST', rowsPath(id2), { rows: [5, 6, 7].map(invoice) })).status, 429);
    assert.equal(env2.sb.state.rows(id2, 'Invoices').length, 4);
  });

  it('allows at most 5 pending requests per dataset', async () => {
    const env = await start({ rowsLatencyMs: 300 });
    const id = await createDataset(env);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => env.api('POST', rowsPath(id), { rows: [invoice(i)] })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    assert.ok(Number(results.find((r) => r.status === 429)!.headers.get('retry-after')) >= 1);
    assert.equal(env.sb.state.stats.maxPendingSeen, 5);
    assert.equal(env.sb.state.rows(id, 'Invoices').length, 5);
  });

  it('does not throttle when enforceLimits is false', async () => {
    const env = await start({ rowsLatencyMs: 100, enforceLimits: false });
    const id = await createDataset(env);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => env.api('POST', rowsPath(id), { rows: [invoice(i)] })));
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(env.sb.state.stats.maxPendingSeen, 8);
  });

  it('DELETE rows empties the table', async () => {
    const env = await start();
    const id = await createDataset(env);
    await env.api('POST', rowsPath(id), { rows: [invoice(1), invoice(2)] });
    const r = await env.api('DELETE', rowsPath(id));
    assert.equal(r.status, 200);
    assert.deepEqual(env.sb.state.rows(id, 'Invoices'), []);
  });

  it('basicFIFO evicts the oldest rows silently; None refuses rows beyond its cap', async () => {
    const env = await start({ limits: { fifoRows: 5, noneRows: 5 } });
    const fifo = await createDataset(env, 'basicFIFO');
    assert.equal((await env.api('POST', rowsPath(fifo), { rows: [1, 2, 3].map(invoice) })).status, 200);
    assert.equal((await env.api('POST', rowsPath(fifo), { rows: [4, 5, 6, 7].map(invoice) })).status, 200);
    assert.deepEqual(env.sb.state.rows(fifo, 'Invoices').map((r) => r.InvoiceId), [3, 4, 5, 6, 7]);
    assert.equal(env.sb.state.stats.rowsEvicted, 2);

    const none = await createDataset(env, 'None', 'Capped');
    assert.equal((await env.api('POST', rowsPath(none), { rows: [1, 2, 3].map(invoice) })).status, 200);
    assert.equal((await env.api('POST', rowsPath(none), { rows: [4, 5, 6].map(invoice) })).status, 400);
    assert.equal(env.sb.state.rows(none, 'Invoices').length, 3);
  });

  it('answers injected faults on rows with Retry-After, without side effects', async () => {
    const env = await start();
    const id = await createDataset(env);
    env.sb.state.injectFaults([{ scope: 'rows', status: 429, retryAfterSec: 2, count: 1 }]);
    const r = await env.api('POST', rowsPath(id), { rows: [invoice(1)] });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal(env.sb.state.rows(id, 'Invoices').length, 0);
    assert.equal((await env.api('POST', rowsPath(id), { rows: [invoice(1)] })).status, 200);
    env.sb.state.injectFaults([{ scope: 'api', status: 500, count: 1 }]);
    assert.equal((await env.api('GET', `/groups/${GROUP}/datasets`)).status, 500);
  });

  it('alterTable changes the schema behind the client', async () => {
    const env = await start();
    const id = await createDataset(env);
    env.sb.state.alterTable(id, 'Invoices', [{ name: 'InvoiceId', dataType: 'String' }]);
    const r = await env.api('POST', rowsPath(id), { rows: [invoice(1)] });
    assert.equal(r.status, 400);
  });
});
