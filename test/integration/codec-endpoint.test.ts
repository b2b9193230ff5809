import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import { freshDatabase, infrastructure, stopOwnStack } from '../support/harness';
import { sandboxEnv, startSandboxes, startService, type LocalService, type Sandboxes } from '../../scripts/local-service';

/**
 * The codec endpoint (real Postgres and Temporal behind the API; no worker needed): the codec token
 * decodes and does nothing else, the admin token does not decode, the token is checked before any
 * body is read, and only Temporal UI's origin gets CORS headers.
 */
const UI_ORIGIN = 'http://127.0.0.1:8233';

describe('codec endpoint', () => {
  let service: LocalService;
  let sandboxes: Sandboxes;
  let env: Record<string, string>;
  let body: string;

  before(async () => {
    const infra = await infrastructure();
    sandboxes = await startSandboxes();
    env = sandboxEnv(sandboxes, { databaseUrl: await freshDatabase(infra.databaseUrl), temporalAddress: infra.temporalAddress, bigqueryEndpoint: infra.bigqueryEmulatorUrl }, {
      LOG_LEVEL: 'silent', TEMPORAL_UI_ORIGINS: UI_ORIGIN,
    });
    service = await startService(env, { worker: false });
    const [sealed] = await new EncryptionCodec(service.config.payloadKeys).encode([defaultPayloadConverter.toPayload({ connectionId: 'conn_x' })]);
    body = JSON.stringify({ payloads: [toJson(sealed!)] });
  });
  after(async () => {
    await service?.close();
    await sandboxes?.close();
    await stopOwnStack();
  });

  const post = (path: string, headers: Record<string, string> = {}, payload = body) =>
    fetch(`${service.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  const decoded = async (res: Response) => {
    const out = await res.json() as { payloads: { data: string }[] };
    return JSON.parse(Buffer.from(out.payloads[0]!.data, 'base64').toString());
  };

  test('the codec token decodes, in the path (Temporal UI) or as a bearer token (CLI)', async () => {
    const viaPath = await post(`/codec/${env.CODEC_TOKEN}/decode`);
    assert.equal(viaPath.status, 200);
    assert.deepEqual(await decoded(viaPath), { connectionId: 'conn_x' });
    const viaHeader = await post('/codec/decode', { authorization: `Bearer ${env.CODEC_TOKEN}` });
    assert.equal(viaHeader.status, 200);
    assert.deepEqual(await decoded(viaHeader), { connectionId: 'conn_x' });
  });

  test('the admin token does not decode, and the codec token opens nothing else', async () => {
    assert.equal((await post(`/codec/${env.ADMIN_TOKEN}/decode`)).status, 401);
    assert.equal((await post('/codec/decode', { authorization: `Bearer ${env.ADMIN_TOKEN}` })).status, 401);
    assert.equal((await post('/codec/decode')).status, 401);
    assert.equal((await fetch(`${service.apiUrl}/api/connections`, { headers: { authorization: `Bearer ${env.CODEC_TOKEN}` } })).status, 401);
    assert.equal((await fetch(`${service.apiUrl}/api/connections`, { headers: { 'x-admin-token': env.CODEC_TOKEN! } })).status, 401);
    // Decode only: nothing outside the service writes payloads under our key.
    assert.equal((await post(`/codec/${env.CODEC_TOKEN}/encode`)).status, 404);
    assert.equal((await post('/codec/encode', { authorization: `Bearer ${env.CODEC_TOKEN}` })).status, 404);
  });

  test('an unauthenticated body is refused before it is parsed', async () => {
    // 8 MB of malformed JSON: parsed first it would be a 400, over the limit a 413.
    const junk = '{' + 'x'.repeat(8 * 1024 * 1024 - 2);
    assert.equal((await post('/codec/not-the-codec-token-at-all/decode', {}, junk)).status, 401);
    assert.equal((await post('/codec/decode', {}, junk + 'x'.repeat(1024 * 1024))).status, 401);
    // The answer comes while the announced 8 MB are still unsent: nothing waited for the body.
    assert.equal(await statusWithBodyWithheld(`${service.apiUrl}/codec/decode`, 8 * 1024 * 1024), 401);
  });

  test('a tampered payload is a 400, not a 500', async () => {
    const tampered = JSON.parse(body) as { payloads: { data: string }[] };
    const bytes = Buffer.from(tampered.payloads[0]!.data, 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    tampered.payloads[0]!.data = bytes.toString('base64');
    assert.equal((await post(`/codec/${env.CODEC_TOKEN}/decode`, {}, JSON.stringify(tampered))).status, 400);
  });

  test('CORS answers Temporal UI\'s origin only, never with credentials', async () => {
    const preflight = (origin: string) => fetch(`${service.apiUrl}/codec/${env.CODEC_TOKEN}/decode`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    const ui = await preflight(UI_ORIGIN);
    assert.equal(ui.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(ui.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    assert.equal(ui.headers.get('access-control-allow-credentials'), null);
    const uiPost = await post(`/codec/${env.CODEC_TOKEN}/decode`, { origin: UI_ORIGIN });
    assert.equal(uiPost.headers.get('access-control-allow-origin'), UI_ORIGIN);
    for (const foreign of ['https://evil.example', 'http://127.0.0.1:8234', 'null']) {
      for (const res of [await preflight(foreign), await post(`/codec/${env.CODEC_TOKEN}/decode`, { origin: foreign })]) {
        assert.equal(res.headers.get('access-control-allow-origin'), null, `${foreign} got CORS`);
        assert.equal(res.headers.get('access-control-allow-credentials'), null);
      }
    }
  });
});

/** Sends the headers of a `length`-byte body and only 1 KB of it; the status if an answer comes meanwhile. */
function statusWithBodyWithheld(url: string, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length) } });
    // A server that waits for the body never answers: fail instead of hanging the suite.
    const waiting = setTimeout(() => { req.destroy(); reject(new Error('no answer while the body was withheld')); }, 60_000);
    req.on('response', (res) => { clearTimeout(waiting); res.resume(); req.destroy(); resolve(res.statusCode ?? 0); });
    req.on('error', (err) => { clearTimeout(waiting); reject(err); });
    req.write('{"payloads":[' + ' '.repeat(1024));
  });
}

function toJson(p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data!).toString('base64'),
  };
}
