import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HyperProcess, writeHyperFile, type HyperColumn, type HyperTable } from '../../connectors/hyper';
import { buildMultipartMixed, createTableauSandbox, type RunningTableauSandbox, type TableauSandbox } from '.';

const V = '3.27';
const PAT = 'fb-sync';
const SECRET = 'pat-secret-value';

interface Resp {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

const invoiceCols: HyperColumn[] = [
  { name: 'invoice_id', type: 'INT64', nullable: false },
  { name: 'amount', type: 'NUMERIC', precision: 18, scale: 2 },
  { name: 'currency', type: 'STRING' },
];
const lineCols: HyperColumn[] = [
  { name: 'invoice_id', type: 'INT64', nullable: false },
  { name: 'line_no', type: 'INT64' },
  { name: 'description', type: 'STRING' },
];

describe('Tableau sandbox', () => {
  const hyper = new HyperProcess();
  let sb: TableauSandbox;
  let run: RunningTableauSandbox;
  let dir: string;
  let fileNo = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tableau-sb-test-'));
    sb = createTableauSandbox({ hyper });
    sb.state.addPat(PAT, SECRET);
    sb.state.addPat('acme-pat', 'acme-secret', 'acme');
    sb.state.addProject(sb.state.siteByContentUrl('')!.id, 'FreshBooks');
    run = await sb.listen();
  });
  after(async () => {
    await run.close();
    await hyper.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, init: { token?: string; body?: string | Buffer; type?: string; headers?: Record<string, string>; accept?: string } = {}): Promise<Resp> {
    const res = await fetch(`${run.url}/api/${V}${path}`, {
      method,
      headers: {
        accept: init.accept ?? 'application/json',
        ...(init.token ? { 'x-tableau-auth': init.token } : {}),
        ...(init.type ? { 'content-type': init.type } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  }

  async function signIn(name = PAT, secret = SECRET, site = ''): Promise<{ token: string; siteId: string; res: Resp }> {
    const res = await call('POST', '/auth/signin', {
      type: 'application/json',
      body: JSON.stringify({ credentials: { personalAccessTokenName: name, personalAccessTokenSecret: secret, site: { contentUrl: site } } }),
    });
    return { token: res.body?.credentials?.token, siteId: res.body?.credentials?.site?.id, res };
  }

  async function hyperFile(tables: HyperTable[]): Promise<Buffer> {
    const path = join(dir, `f${fileNo++}.hyper`);
    await writeHyperFile(path, tables, { hyper });
    return readFile(path);
  }

  async function upload(token: string, siteId: string, bytes: Buffer, chunks = 1): Promise<string> {
    const start = await call('POST', `/sites/${siteId}/fileUploads`, { token });
    assert.equal(start.status, 201);
    const id = start.body.fileUpload.uploadSessionId as string;
    const size = Math.ceil(bytes.length / chunks);
    for (let i = 0; i < chunks; i++) {
      const body = buildMultipartMixed(
        [
          { name: 'request_payload', filename: '', contentType: 'text/xml', data: '' },
          { name: 'tableau_file', filename: 'file', contentType: 'application/octet-stream', data: bytes.subarray(i * size, (i + 1) * size) },
        ],
        'Bnd-42',
      );
      const put = await call('PUT', `/sites/${siteId}/fileUploads/${encodeURIComponent(id)}`, { token, type: 'multipart/mixed; boundary=Bnd-42', body });
      assert.equal(put.status, 200, put.text);
    }
    return id;
  }

  const payloadXml = (name: string, projectId: string) => `<tsRequest><datasource name="${name}"><project id="${projectId}"/></datasource></tsRequest>`;

  async function publish(token: string, siteId: string, name: string, bytes: Buffer, chunks = 2): Promise<string> {
    const projectId = sb.state.addProject(siteId, 'FreshBooks').id;
    const uploadId = await upload(token, siteId, bytes, chunks);
    const body = buildMultipartMixed([{ name: 'request_payload', contentType: 'text/xml', data: payloadXml(name, projectId) }], 'pub');
    const res = await call('POST', `/sites/${siteId}/datasources?uploadSessionId=${encodeURIComponent(uploadId)}&datasourceType=hyper&overwrite=true`, { token, type: 'multipart/mixed; boundary=pub', body });
    assert.equal(res.status, 201, res.text);
    return res.body.datasource.id;
  }

  async function readBack(dsId: string, table: string, orderBy?: string): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${run.url}/_sandbox/datasources/${dsId}/tables/${table}${orderBy ? `?orderBy=${orderBy}` : ''}`);
    const body = (await res.json()) as { rows: Record<string, unknown>[]; error?: string };
    assert.equal(res.status, 200, body.error);
    return body.rows;
  }

  async function patch(token: string, siteId: string, dsId: string, requestId: string, actions: unknown[], uploadId?: string): Promise<Resp> {
    return call('PATCH', `/sites/${siteId}/datasources/${dsId}/data${uploadId ? `?uploadSessionId=${encodeURIComponent(uploadId)}` : ''}`, {
      token,
      type: 'application/json',
      headers: { RequestID: requestId },
      body: JSON.stringify({ actions }),
    });
  }

  async function finished(token: string, siteId: string, jobId: string): Promise<any> {
    await sb.state.waitForJob(jobId);
    const res = await call('GET', `/sites/${siteId}/jobs/${jobId}`, { token });
    assert.equal(res.status, 200);
    return res.body.job;
  }

  async function baseSource(token: string, siteId: string, name: string): Promise<string> {
    const bytes = await hyperFile([
      { name: 'Invoices', columns: invoiceCols, rows: [{ invoice_id: 1, amount: '10.00', currency: 'USD' }, { invoice_id: 2, amount: '5.55', currency: 'EUR' }, { invoice_id: 3, amount: '7.00', currency: 'CAD' }] },
      { name: 'InvoiceLines', columns: lineCols, rows: [{ invoice_id: 1, line_no: 1, description: 'a' }, { invoice_id: 1, line_no: 2, description: 'b' }, { invoice_id: 2, line_no: 1, description: 'c' }, { invoice_id: 2, line_no: 2, description: 'd' }] },
    ]);
    return publish(token, siteId, name, bytes);
  }

  test('serverinfo answers JSON or XML by Accept, and a newer API version than the server has is refused', async () => {
    const json = await call('GET', '/serverinfo');
    assert.equal(json.status, 200);
    assert.equal(json.body.serverInfo.restApiVersion, '3.27');
    assert.equal(json.body.serverInfo.productVersion.value, '2025.3.0');
    const xml = await call('GET', '/serverinfo', { accept: '*/*' });
    assert.match(xml.text, /<tsResponse xmlns="http:\/\/tableau.com\/api".*<serverInfo><productVersion build="[^"]+">2025.3.0<\/productVersion><restApiVersion>3.27<\/restApiVersion><\/serverInfo>/);
    const res = await fetch(`${run.url}/api/3.28/serverinfo`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as any).error.detail, /3\.28 is not supported/);
  });

  test('one session per PAT: a second sign-in ends the first (401002); a bad PAT is 401001; no token is 401000', async () => {
    const killedBefore = sb.state.stats.sessionsKilled;
    const first = await signIn();
    assert.equal(first.res.status, 200);
    assert.equal(first.res.body.credentials.site.contentUrl, '');
    assert.ok(first.res.body.credentials.user.id);
    assert.equal((await call('GET', `/sites/${first.siteId}/projects`, { token: first.token })).status, 200);

    const xml = await call('POST', '/auth/signin', {
      type: 'application/xml',
      accept: '*/*',
      body: `<tsRequest><credentials personalAccessTokenName="${PAT}" personalAccessTokenSecret="${SECRET}"><site contentUrl=""/></credentials></tsRequest>`,
    });
    assert.equal(xml.status, 200);
    assert.match(xml.text, /<credentials [^>]*token="[^"]+"/);
    const stale = await call('GET', `/sites/${first.siteId}/projects`, { token: first.token });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error.code, '401002');
    assert.equal(sb.state.stats.sessionsKilled, killedBefore + 1);

    const bad = await signIn(PAT, 'wrong');
    assert.equal(bad.res.status, 401);
    assert.equal(bad.res.body.error.code, '401001');
    const wrongSite = await signIn(PAT, SECRET, 'acme');
    assert.equal(wrongSite.res.body.error.code, '401001');
    const none = await call('GET', `/sites/${first.siteId}/projects`);
    assert.equal(none.body.error.code, '401000');
    const xmlError = await call('GET', `/sites/${first.siteId}/projects`, { token: 'nope', accept: '*/*' });
    assert.match(xmlError.text, /<error code="401002"><summary>Unauthorized Access<\/summary><detail>/);
  });

  test('a revoked PAT cannot sign in (401001) and its session ends; sign-out ends a session', async () => {
    sb.state.addPat('short-lived', 's1');
    const s = await signIn('short-lived', 's1');
    sb.state.revokePat('short-lived');
    assert.equal((await call('GET', `/sites/${s.siteId}/projects`, { token: s.token })).body.error.code, '401002');
    assert.equal((await signIn('short-lived', 's1')).res.body.error.code, '401001');

    const acme = await signIn('acme-pat', 'acme-secret', 'acme');
    assert.equal(acme.res.status, 200);
    assert.equal((await call('POST', '/auth/signout', { token: acme.token })).status, 204);
    assert.equal((await call('GET', `/sites/${acme.siteId}/projects`, { token: acme.token })).body.error.code, '401002');
  });

  test('control routes: PATs, projects, clock (session expiry), faults and job failures over HTTP; bad control input is a 400', async () => {
    const ctl = (path: string, body?: unknown) =>
      fetch(`${run.url}/_sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const pat = await ctl('/pats', { name: 'ctl-pat', secret: 'ctl-secret', site: 'ctl-site' });
    assert.equal(pat.status, 201);
    const project = await ctl('/projects', { site: 'ctl-site', name: 'Finance' });
    assert.equal(((await project.json()) as { name: string }).name, 'Finance');
    const s = await signIn('ctl-pat', 'ctl-secret', 'ctl-site');
    assert.equal(s.res.status, 200);
    assert.equal((await call('GET', `/sites/${s.siteId}/projects?filter=name:eq:Finance`, { token: s.token })).body.pagination.totalAvailable, '1');

    assert.equal((await ctl('/faults', { scope: 'api', status: 503, retryAfterSec: 3, count: 1 })).status, 204);
    const unavailable = await call('GET', `/sites/${s.siteId}/projects`, { token: s.token });
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '3');
    assert.equal((await ctl('/faults', { status: 'x' })).status, 400);
    assert.equal((await ctl('/jobs/fail-next', { count: 0 })).status, 400);
    assert.equal((await ctl('/clock', { advanceMs: -1 })).status, 400);

    // Past the session lifetime the token is refused with 401002, and a new sign-in works.
    assert.equal((await ctl('/clock', { advanceMs: 240 * 60_000 })).status, 200);
    assert.equal((await call('GET', `/sites/${s.siteId}/projects`, { token: s.token })).body.error.code, '401002');
    assert.equal((await signIn('ctl-pat', 'ctl-secret', 'ctl-site')).res.status, 200);

    assert.equal((await ctl('/pats/ctl-pat/revoke')).status, 204);
    assert.equal((await signIn('ctl-pat', 'ctl-secret', 'ctl-site')).res.body.error.code, '401001');
    const stats = (await (await fetch(`${run.url}/_sandbox/stats`)).json()) as { signInsByPat: Record<string, number>; signInFailures: number };
    assert.equal(stats.signInsByPat['ctl-pat'], 2);
  });

  test('paths take the site LUID, not the contentUrl; projects filter by name', async () => {
    const acme = await signIn('acme-pat', 'acme-secret', 'acme');
    const byName = await call('GET', '/sites/acme/projects', { token: acme.token });
    assert.equal(byName.status, 404);
    const s = await signIn();
    const all = await call('GET', `/sites/${s.siteId}/projects`, { token: s.token });
    assert.deepEqual(all.body.projects.project.map((p: { name: string }) => p.name).sort(), ['Default', 'FreshBooks']);
    const filtered = await call('GET', `/sites/${s.siteId}/projects?filter=${encodeURIComponent('name:eq:FreshBooks')}`, { token: s.token });
    assert.equal(filtered.body.pagination.totalAvailable, '1');
    assert.equal(filtered.body.projects.project[0].name, 'FreshBooks');
    assert.equal((await call('GET', `/sites/${s.siteId}/projects?filter=owner:gt:x`, { token: s.token })).status, 400);
  });

  test('upload chunks must be multipart/mixed with request_payload then tableau_file, CRLF and a closing delimiter', async () => {
    const s = await signIn();
    const start = await call('POST', `/sites/${s.siteId}/fileUploads`, { token: s.token });
    const path = `/sites/${s.siteId}/fileUploads/${encodeURIComponent(start.body.fileUpload.uploadSessionId)}`;
    assert.match(start.body.fileUpload.uploadSessionId, /^\d+:[0-9a-f]+-\d+:\d+$/);
    const good = buildMultipartMixed(
      [
        { name: 'request_payload', filename: '', contentType: 'text/xml', data: '' },
        { name: 'tableau_file', filename: 'file', contentType: 'application/octet-stream', data: Buffer.from([1, 2, 3]) },
      ],
      'xyz',
    );
    const formData = await call('PUT', path, { token: s.token, type: 'multipart/form-data; boundary=xyz', body: good });
    assert.equal(formData.status, 415);
    assert.equal((await call('PUT', path, { token: s.token, type: 'multipart/mixed', body: good })).status, 400, 'no boundary');
    const lfOnly = Buffer.from(good.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    assert.equal((await call('PUT', path, { token: s.token, type: 'multipart/mixed; boundary=xyz', body: lfOnly })).status, 400, 'LF line ends');
    const unclosed = good.subarray(0, good.length - '--xyz--\r\n'.length);
    assert.equal((await call('PUT', path, { token: s.token, type: 'multipart/mixed; boundary=xyz', body: unclosed })).status, 400, 'no closing delimiter');
    const swapped = buildMultipartMixed(
      [
        { name: 'tableau_file', filename: 'file', contentType: 'application/octet-stream', data: 'x' },
        { name: 'request_payload', contentType: 'text/xml', data: '' },
      ],
      'xyz',
    );
    assert.equal((await call('PUT', path, { token: s.token, type: 'multipart/mixed; boundary=xyz', body: swapped })).status, 400, 'part order');
    const ok = await call('PUT', path, { token: s.token, type: 'multipart/mixed; boundary="xyz"', body: good });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.fileUpload.fileSize, '0');
  });

  test('a chunked upload published with overwrite=true is stored whole; a direct multipart publish too; no overwrite is a 409', async () => {
    const s = await signIn();
    const bytes = await hyperFile([{ name: 'Clients', columns: [{ name: 'client_id', type: 'INT64' }, { name: 'name', type: 'STRING' }], rows: Array.from({ length: 500 }, (_, i) => ({ client_id: i + 1, name: `Client ${i + 1} — é` })) }]);
    const dsId = await publish(s.token, s.siteId, 'FreshBooks Clients', bytes, 3);
    const rows = await readBack(dsId, 'Clients');
    assert.equal(rows.length, 500);
    assert.deepEqual(rows[499], { client_id: '500', name: 'Client 500 — é' });
    const listed = await call('GET', `/sites/${s.siteId}/datasources?filter=${encodeURIComponent('name:eq:FreshBooks Clients')}`, { token: s.token });
    assert.deepEqual(listed.body.datasources.datasource.map((d: { id: string }) => d.id), [dsId]);
    assert.equal((await call('GET', `/sites/${s.siteId}/datasources/${dsId}`, { token: s.token })).body.datasource.project.name, 'FreshBooks');

    const projectId = sb.state.addProject(s.siteId, 'FreshBooks').id;
    const direct = (name: string, file: Buffer, overwrite: boolean) =>
      call('POST', `/sites/${s.siteId}/datasources?datasourceType=hyper${overwrite ? '&overwrite=true' : ''}`, {
        token: s.token,
        type: 'multipart/mixed; boundary=d1',
        body: buildMultipartMixed(
          [
            { name: 'request_payload', contentType: 'text/xml', data: payloadXml(name, projectId) },
            { name: 'tableau_datasource', filename: 'small.hyper', contentType: 'application/octet-stream', data: file },
          ],
          'd1',
        ),
      });
    const small = await hyperFile([{ name: 'T', columns: [{ name: 'id', type: 'INT64' }], rows: [{ id: 1 }] }]);
    const replaced = await direct('FreshBooks Clients', small, true);
    assert.equal(replaced.status, 201, replaced.text);
    assert.equal(replaced.body.datasource.id, dsId, 'overwrite keeps the data source');
    assert.deepEqual(await readBack(dsId, 'T'), [{ id: '1' }]);
    assert.equal((await direct('FreshBooks Clients', small, false)).status, 409);
    assert.equal((await direct('Broken', Buffer.from('not a hyper file'), true)).status, 400);
  });

  test('Update Data: upsert on the id, lines replaced per parent, deletes — one job, applied once per RequestID', async () => {
    const s = await signIn();
    const dsId = await baseSource(s.token, s.siteId, 'FB Update');
    const payload = await hyperFile([
      { name: 'Invoices', columns: invoiceCols, rows: [{ invoice_id: 2, amount: '6.66', currency: 'EUR' }, { invoice_id: 4, amount: '1.10', currency: 'GBP' }] },
      { name: 'InvoiceLines', columns: lineCols, rows: [{ invoice_id: 2, line_no: 1, description: 'c2' }, { invoice_id: 4, line_no: 1, description: 'e' }] },
      { name: 'DeletedInvoices', columns: [{ name: 'invoice_id', type: 'INT64' }], rows: [{ invoice_id: 3 }] },
    ]);
    const uploadId = await upload(s.token, s.siteId, payload);
    const eq = (col: string) => ({ op: 'eq', 'target-col': col, 'source-col': col });
    const actions = [
      { action: 'upsert', 'source-schema': 'Extract', 'source-table': 'Invoices', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: eq('invoice_id') },
      { action: 'delete', 'source-schema': 'Extract', 'source-table': 'InvoiceLines', 'target-schema': 'Extract', 'target-table': 'InvoiceLines', condition: eq('invoice_id') },
      { action: 'insert', 'source-schema': 'Extract', 'source-table': 'InvoiceLines', 'target-schema': 'Extract', 'target-table': 'InvoiceLines' },
      { action: 'delete', 'source-schema': 'Extract', 'source-table': 'DeletedInvoices', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: eq('invoice_id') },
    ];
    const first = await patch(s.token, s.siteId, dsId, 'conn-1:batch-1', actions, uploadId);
    assert.equal(first.status, 202, first.text);
    assert.equal(first.body.job.type, 'UpdateUploadedFile');
    assert.equal(first.body.job.updateUploadedFileJob.datasource.id, dsId);
    const job = await finished(s.token, s.siteId, first.body.job.id);
    assert.equal(job.finishCode, '0');
    assert.equal(job.progress, '100');
    assert.ok(job.completedAt);

    const expectInvoices = [
      { invoice_id: '1', amount: '10.00', currency: 'USD' },
      { invoice_id: '2', amount: '6.66', currency: 'EUR' },
      { invoice_id: '4', amount: '1.10', currency: 'GBP' },
    ];
    const expectLines = [
      { invoice_id: '1', line_no: '1', description: 'a' },
      { invoice_id: '1', line_no: '2', description: 'b' },
      { invoice_id: '2', line_no: '1', description: 'c2' },
      { invoice_id: '4', line_no: '1', description: 'e' },
    ];
    assert.deepEqual(await readBack(dsId, 'Invoices'), expectInvoices);
    assert.deepEqual(await readBack(dsId, 'InvoiceLines', 'invoice_id,line_no'), expectLines);
    const narrow = (await (await fetch(`${run.url}/_sandbox/datasources/${dsId}/tables/Invoices?columns=currency,invoice_id&orderBy=invoice_id`)).json()) as any;
    assert.deepEqual(narrow.columns.map((c: { name: string }) => c.name), ['invoice_id', 'currency'], 'the read-back describes only the columns asked for');
    assert.deepEqual(narrow.rows, expectInvoices.map((r) => ({ currency: r.currency, invoice_id: r.invoice_id })));

    // The same RequestID again (a retry after a lost reply): the same job, nothing applied twice.
    const again = await patch(s.token, s.siteId, dsId, 'conn-1:batch-1', actions, uploadId);
    assert.equal(again.status, 202);
    assert.equal(again.body.job.id, first.body.job.id);
    assert.deepEqual(await readBack(dsId, 'InvoiceLines', 'invoice_id,line_no'), expectLines);
    const stats = (await (await fetch(`${run.url}/_sandbox/stats`)).json()) as any;
    assert.deepEqual(stats.requestIds['conn-1:batch-1'], { jobId: first.body.job.id, received: 2, applied: 1 });
    const detail = (await (await fetch(`${run.url}/_sandbox/jobs/${first.body.job.id}`)).json()) as any;
    assert.deepEqual(detail.results.map((r: { rows: number }) => r.rows), [2, 2, 2, 1]);

    // A delete on constants needs no payload.
    const constDelete = await patch(s.token, s.siteId, dsId, 'conn-1:batch-2', [
      { action: 'delete', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: { op: 'eq', 'target-col': 'currency', const: { type: 'string', v: 'GBP' } } },
    ]);
    assert.equal((await finished(s.token, s.siteId, constDelete.body.job.id)).finishCode, '0');
    assert.deepEqual(await readBack(dsId, 'Invoices'), expectInvoices.slice(0, 2));
  });

  test('a batch with one failing action rolls back whole: finishCode 1 with notes, data unchanged', async () => {
    const s = await signIn();
    const dsId = await baseSource(s.token, s.siteId, 'FB Rollback');
    const before = await readBack(dsId, 'Invoices');
    const payload = await hyperFile([{ name: 'Invoices', columns: invoiceCols, rows: [{ invoice_id: 9, amount: '9.99', currency: 'USD' }] }]);
    const uploadId = await upload(s.token, s.siteId, payload);
    const res = await patch(s.token, s.siteId, dsId, 'rollback-1', [
      { action: 'insert', 'source-schema': 'Extract', 'source-table': 'Invoices', 'target-schema': 'Extract', 'target-table': 'Invoices' },
      { action: 'insert', 'source-schema': 'Extract', 'source-table': 'Invoices', 'target-schema': 'Extract', 'target-table': 'NoSuchTable' },
    ], uploadId);
    const job = await finished(s.token, s.siteId, res.body.job.id);
    assert.equal(job.finishCode, '1');
    assert.match(job.notes.join(' '), /NoSuchTable/);
    assert.deepEqual(await readBack(dsId, 'Invoices'), before);
  });

  test('injected job failure (finishCode 1), cancellation (2), and a running job is only final once completedAt is set', async () => {
    const s = await signIn();
    const dsId = await baseSource(s.token, s.siteId, 'FB Jobs');
    const del = (rid: string) => patch(s.token, s.siteId, dsId, rid, [{ action: 'delete', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: { op: 'eq', 'target-col': 'invoice_id', const: { type: 'integer', v: 1 } } }]);
    sb.state.failNextJobs(1, 'Hyper job failed (sandbox)');
    const failed = await finished(s.token, s.siteId, (await del('jobs-1')).body.job.id);
    assert.equal(failed.finishCode, '1');
    assert.deepEqual(failed.notes, ['Hyper job failed (sandbox)']);
    assert.equal((await readBack(dsId, 'Invoices')).length, 3);
    assert.equal(sb.state.requestIdStats()['jobs-1']!.applied, 0);

    sb.state.jobDurationMs = 3_600_000;
    try {
      const pending = await del('jobs-2');
      const polled = await call('GET', `/sites/${s.siteId}/jobs/${pending.body.job.id}`, { token: s.token });
      assert.equal(polled.body.job.completedAt, undefined);
      assert.equal(polled.body.job.finishCode, '1', 'not final without completedAt');
      const cancel = await call('PUT', `/sites/${s.siteId}/jobs/${pending.body.job.id}`, { token: s.token });
      assert.equal(cancel.body.job.finishCode, '2');
      assert.ok(cancel.body.job.completedAt);
    } finally {
      sb.state.jobDurationMs = 0;
    }
    const ok = await finished(s.token, s.siteId, (await del('jobs-3')).body.job.id);
    assert.equal(ok.finishCode, '0');
    assert.equal((await readBack(dsId, 'Invoices')).length, 2);
  });

  test('faults: 429 with Retry-After, 503, 401 ends the session, 404; a PATCH whose reply is lost ran once', async () => {
    let s = await signIn();
    const dsId = await baseSource(s.token, s.siteId, 'FB Faults');
    sb.state.addFaults({ scope: 'api', status: 429, retryAfterSec: 7, count: 1 }, { scope: 'job-get', status: 503, count: 1 });
    const throttled = await call('GET', `/sites/${s.siteId}/datasources/${dsId}`, { token: s.token });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '7');
    sb.state.addFaults({ scope: 'api', status: 401, count: 1 });
    assert.equal((await call('GET', `/sites/${s.siteId}/datasources/${dsId}`, { token: s.token })).body.error.code, '401002');
    assert.equal((await call('GET', `/sites/${s.siteId}/datasources/${dsId}`, { token: s.token })).status, 401, 'the session is gone');
    s = await signIn();
    sb.state.addFaults({ scope: 'api', status: 404, count: 1 });
    assert.equal((await call('GET', `/sites/${s.siteId}/datasources/${dsId}`, { token: s.token })).status, 404);

    sb.state.addFaults({ scope: 'patch', status: 500, phase: 'after', count: 1 });
    const actions = [{ action: 'delete', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: { op: 'lt', 'target-col': 'invoice_id', const: { type: 'integer', v: 3 } } }];
    const lost = await patch(s.token, s.siteId, dsId, 'lost-reply-1', actions);
    assert.equal(lost.status, 500);
    const retry = await patch(s.token, s.siteId, dsId, 'lost-reply-1', actions);
    assert.equal(retry.status, 202);
    const job = await sb.state.waitForJob(retry.body.job.id);
    assert.equal(job.finishCode, 0);
    const poll = await call('GET', `/sites/${s.siteId}/jobs/${job.id}`, { token: s.token });
    assert.equal(poll.status, 503, 'the queued job-get fault');
    assert.equal((await call('GET', `/sites/${s.siteId}/jobs/${job.id}`, { token: s.token })).body.job.finishCode, '0');
    assert.deepEqual(sb.state.requestIdStats()['lost-reply-1'], { jobId: job.id, received: 2, applied: 1 });
    assert.deepEqual(await readBack(dsId, 'Invoices'), [{ invoice_id: '3', amount: '7.00', currency: 'CAD' }]);
  });

  test('Update Data refuses bad input with 400s: no RequestID, bad actions, source without upload session', async () => {
    const s = await signIn();
    const dsId = await baseSource(s.token, s.siteId, 'FB Bad');
    const noRid = await call('PATCH', `/sites/${s.siteId}/datasources/${dsId}/data`, { token: s.token, type: 'application/json', body: '{"actions":[]}' });
    assert.equal(noRid.status, 400);
    assert.equal((await patch(s.token, s.siteId, dsId, 'bad-1', [{ action: 'merge', 'target-schema': 'Extract', 'target-table': 'Invoices' }])).status, 400);
    assert.equal((await patch(s.token, s.siteId, dsId, 'bad-2', [{ action: 'upsert', 'source-schema': 'Extract', 'source-table': 'Invoices', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: { op: 'eq', 'target-col': 'invoice_id', 'source-col': 'invoice_id' } }])).status, 400);
    assert.equal((await patch(s.token, s.siteId, dsId, 'bad-3', [{ action: 'delete', 'target-schema': 'Extract', 'target-table': 'Invoices', condition: { op: 'eq', 'target-col': 'invoice_id', const: { type: 'integer', v: 'x' } } }])).status, 400);
    assert.equal(sb.state.requestIds.has('bad-1'), false);
  });
});
