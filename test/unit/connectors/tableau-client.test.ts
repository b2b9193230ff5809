import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TableauClient, TableauSession, TableauSignInError, TableauSiteUrlError, TableauVersionError, multipartMixed, parseSiteUrl, parseTableauError,
} from '../../../connectors/tableau';
import { createTableauSandbox, parseMultipartMixed, type RunningTableauSandbox, type TableauSandbox } from '../../../sandbox/tableau';

describe('Tableau site URLs', () => {
  test('Cloud: pod host and site from the browser URL', () => {
    assert.deepEqual(parseSiteUrl('cloud', 'https://10ay.online.tableau.com/#/site/acme/home'), { origin: 'https://10ay.online.tableau.com', contentUrl: 'acme' });
    assert.deepEqual(parseSiteUrl('cloud', 'https://prod-useast-a.online.tableau.com/#/site/Acme-Finance/datasources'), { origin: 'https://prod-useast-a.online.tableau.com', contentUrl: 'Acme-Finance' });
  });
  test('Cloud without its pod, without a site, over http or on another host is refused', () => {
    for (const url of ['https://online.tableau.com/#/site/acme', 'https://10ay.online.tableau.com/', 'http://10ay.online.tableau.com/#/site/acme', 'https://tableau.example.com/#/site/acme']) {
      assert.throws(() => parseSiteUrl('cloud', url), TableauSiteUrlError, url);
    }
  });
  test('Server: the host alone is the Default site; a site segment names another', () => {
    assert.deepEqual(parseSiteUrl('server', 'https://tableau.example.com'), { origin: 'https://tableau.example.com', contentUrl: '' });
    assert.deepEqual(parseSiteUrl('server', 'https://tableau.example.com:8443/#/site/finance/views'), { origin: 'https://tableau.example.com:8443', contentUrl: 'finance' });
    assert.deepEqual(parseSiteUrl('server', 'https://tableau.example.com/t/finance/views/x'), { origin: 'https://tableau.example.com', contentUrl: 'finance' });
    assert.throws(() => parseSiteUrl('server', 'https://10ay.online.tableau.com/#/site/acme'), TableauSiteUrlError);
    assert.throws(() => parseSiteUrl('server', 'not a url'), TableauSiteUrlError);
  });
});

describe('Tableau error bodies and multipart', () => {
  test('JSON and XML error bodies give the code', () => {
    assert.deepEqual(parseTableauError('{"error":{"summary":"Signin Error","detail":"d","code":"401001"}}'), { code: '401001', summary: 'Signin Error', detail: 'd' });
    assert.deepEqual(parseTableauError('<tsResponse><error code="401002"><summary>S</summary><detail>D</detail></error></tsResponse>'), { code: '401002', summary: 'S', detail: 'D' });
  });
  test('upload chunks are multipart/mixed with an empty request_payload and the bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 13, 10]);
    const mp = multipartMixed([
      { name: 'request_payload', filename: '', contentType: 'text/xml', body: '' },
      { name: 'tableau_file', filename: 'file', contentType: 'application/octet-stream', body: bytes },
    ]);
    assert.match(mp.contentType, /^multipart\/mixed; boundary=/);
    const parsed = parseMultipartMixed(mp.contentType, mp.body);
    assert.ok('parts' in parsed);
    assert.deepEqual(parsed.parts.map((p) => p.name), ['request_payload', 'tableau_file']);
    assert.deepEqual(parsed.parts[1]!.data, bytes);
  });
});

describe('Tableau client and session against the sandbox', () => {
  let sb: TableauSandbox;
  let run: RunningTableauSandbox;
  before(async () => {
    sb = createTableauSandbox();
    sb.state.addPat('p', 's');
    run = await sb.listen();
  });
  after(async () => { await run.close(); });

  test('serverinfo: a version newer than the server is refused', async () => {
    assert.equal(await new TableauClient({ origin: run.url, apiVersion: '3.27' }).checkVersion(), '3.27');
    await assert.rejects(new TableauClient({ origin: run.url, apiVersion: '3.28' }).checkVersion(), TableauVersionError);
  });

  test('a wrong PAT is a TableauSignInError (401001)', async () => {
    const client = new TableauClient({ origin: run.url, apiVersion: '3.27' });
    await assert.rejects(client.signIn({ name: 'p', secret: 'wrong' }, ''), TableauSignInError);
  });

  test('one session per PAT: calls share a sign-in, and a session killed elsewhere is signed in again once', async () => {
    const client = new TableauClient({ origin: run.url, apiVersion: '3.27' });
    const session = new TableauSession({ client, pat: { name: 'p', secret: 's' }, contentUrl: '' });
    const before = sb.state.stats.signIns;
    const projects = await Promise.all(Array.from({ length: 5 }, () => session.run((a) => client.findProject(a, 'Default'))));
    assert.ok(projects.every((p) => p?.name === 'Default'));
    assert.equal(sb.state.stats.signIns, before + 1);
    // Someone else signs in with the PAT: our token dies; the next call signs in again and succeeds.
    await client.signIn({ name: 'p', secret: 's' }, '');
    assert.equal((await session.run((a) => client.findProject(a, 'Default')))?.name, 'Default');
    assert.equal(sb.state.stats.signIns, before + 3);
  });
});
