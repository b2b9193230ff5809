import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { startFakeGcs, terminate } from '../../scripts/dev-stack';
import { WriteOnceObjects } from '../../connectors/gcs/write-once-objects';

/**
 * The Cloud Storage writes the history export rests on, against an emulator written by someone else
 * (fsouza/fake-gcs-server enforces ifGenerationMatch and computes MD5s as Cloud Storage does).
 */
let gcs: { url: string; child: ChildProcess };
let objects: WriteOnceObjects;
const bucket = 'it-write-once';

before(async () => {
  gcs = await startFakeGcs();
  const made = await fetch(`${gcs.url}/storage/v1/b?project=test-project`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: bucket }) });
  assert.equal(made.status, 200);
  // The emulator does not check tokens; the history-export test covers the token exchange.
  objects = new WriteOnceObjects({ bucket, projectId: 'test-project', apiEndpoint: gcs.url, tokens: { getAccessToken: async () => 'test-token' } });
});
after(async () => { if (gcs) await terminate(gcs.child); });

const generation = async (name: string) => ((await (await fetch(`${gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`)).json()) as { generation: string }).generation;

test('an object is written once: the same body again is a no-op, a different one is refused and leaves the first', async () => {
  const name = 'runs/connection%2Fc1/r1.json';
  const body = JSON.stringify({ events: [{ eventId: '1' }], note: 'é ✓' });
  assert.equal(await objects.putOnce(name, body, 'application/json'), `gs://${bucket}/${name}`);
  const first = await generation(name);
  // A retried export (its first attempt landed, its answer was lost) writes nothing new.
  assert.equal(await objects.putOnce(name, body, 'application/json'), `gs://${bucket}/${name}`);
  assert.equal(await generation(name), first);
  await assert.rejects(objects.putOnce(name, `${body} `, 'application/json'), /already holds a different object/);
  assert.equal(await generation(name), first);
  assert.equal(await objects.get(name), body);
});

test('reading: a missing object is null, names are listed under a prefix, and a missing bucket is an error naming it', async () => {
  assert.equal(await objects.get('runs/none.json'), null);
  await objects.putOnce('list/a/1.json', '1', 'application/json');
  await objects.putOnce('list/b/2.json', '2', 'application/json');
  await objects.putOnce('other/3.json', '3', 'application/json');
  assert.deepEqual(await objects.names('list/'), ['list/a/1.json', 'list/b/2.json']);
  const missing = new WriteOnceObjects({ bucket: 'no-such-bucket', projectId: 'test-project', apiEndpoint: gcs.url, tokens: { getAccessToken: async () => 't' } });
  await assert.rejects(missing.putOnce('x.json', '{}', 'application/json'), (err: Error) => /gs:\/\/no-such-bucket\/x\.json failed \(404\)/.test(err.message) && !err.message.includes('Bearer'));
});
