import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openApiDocument, openApiPath } from '../../../api/openapi/document';
import { methodNotAllowed } from '../../../api/openapi/method-not-allowed';
import { allOperations } from '../../../api/openapi/operations';

const doc = openApiDocument(allOperations, { version: 'test' }) as { paths: Record<string, Record<string, any>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

test('operation ids are unique and every operation answers something in 2xx', () => {
  const ids = operations.map((o) => o.op.operationId);
  assert.equal(new Set(ids).size, ids.length);
  for (const { path, method, op } of operations) assert.ok(Object.keys(op.responses).some((s) => s.startsWith('2')), `${method} ${path}`);
});

test('admin operations require the admin token and document its 401; every error answer has the error body', () => {
  for (const { path, method, op } of operations.filter((o) => o.path.startsWith('/api/'))) {
    assert.deepEqual(op.security, [{ adminBearer: [] }, { adminHeader: [] }], `${method} ${path}`);
    assert.ok(op.responses['401'], `${method} ${path} documents no 401`);
  }
  for (const { op } of operations) {
    for (const [status, r] of Object.entries<any>(op.responses)) {
      if (Number(status) < 400 || op.operationId === 'healthz') continue;
      assert.deepEqual(r.content['application/json'].schema.required, ['error'], `${op.operationId} ${status}`);
    }
  }
});

test('path parameters are documented with the grammar the guards enforce', () => {
  assert.equal(openApiPath('/api/connections/:id/orders/:orderId'), '/api/connections/{id}/orders/{orderId}');
  const get = doc.paths['/api/connections/{id}']!.get;
  assert.equal(get.parameters[0].schema.pattern, '^conn_[A-Za-z0-9_-]{1,64}$');
  // Requests are documented by their input side: a body field with a default is optional.
  const sync = doc.paths['/api/connections/{id}/sync']!.post;
  assert.equal(sync.requestBody.content['application/json'].schema.required, undefined);
});

test('a known path asked with a method it lacks is 405 with Allow; an unknown path falls through', async () => {
  const app = express();
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  app.use(methodNotAllowed(allOperations));
  app.use((_req, res) => { res.status(404).json({ error: 'not found' }); });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const trace = await fetch(`${base}/healthz`, { method: 'DELETE' });
    assert.equal(trace.status, 405);
    assert.equal(trace.headers.get('allow'), 'GET, HEAD');
    const put = await fetch(`${base}/api/connections/conn_x/`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'DELETE, GET, HEAD');
    assert.equal((await fetch(`${base}/nowhere`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    server.close();
  }
});
