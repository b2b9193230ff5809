import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTarget } from '../../../cli/config';
import { exitCodeForStatus, UsageError } from '../../../cli/exit-codes';
import { runCli } from '../../../cli/program';

const TOKEN = 'tok-0123456789abcdef0123456789';

function homeWith(config?: unknown): string {
  const home = mkdtempSync(join(tmpdir(), 'mlc-home-'));
  if (config !== undefined) {
    mkdirSync(join(home, '.config', 'ml-connector'), { recursive: true });
    writeFileSync(join(home, '.config', 'ml-connector', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  }
  return home;
}

describe('CLI target: flags, then environment, then config file', () => {
  test('the config file alone is enough', () => {
    assert.deepEqual(resolveTarget({ env: {}, home: homeWith({ url: 'https://c.example/', token: TOKEN }) }), { url: 'https://c.example', token: TOKEN });
  });
  test('the environment beats the file, --url beats both, ADMIN_TOKEN is accepted', () => {
    const home = homeWith({ url: 'https://file.example', token: 'from-file' });
    assert.deepEqual(resolveTarget({ env: { ML_CONNECTOR_URL: 'http://env.example:1', ML_CONNECTOR_TOKEN: TOKEN }, home }), { url: 'http://env.example:1', token: TOKEN });
    assert.equal(resolveTarget({ env: { ML_CONNECTOR_URL: 'http://env.example' }, urlFlag: 'http://flag.example', home }).url, 'http://flag.example');
    assert.equal(resolveTarget({ env: { ADMIN_TOKEN: TOKEN }, home }).token, TOKEN);
    assert.equal(resolveTarget({ env: { ML_CONNECTOR_TOKEN: 'a', ADMIN_TOKEN: 'b' }, home }).token, 'a');
  });
  test('no token, a bad URL, or a broken named file is a usage error that never quotes the file', () => {
    assert.throws(() => resolveTarget({ env: {}, home: homeWith() }), UsageError);
    assert.throws(() => resolveTarget({ env: { ML_CONNECTOR_TOKEN: TOKEN }, urlFlag: 'ftp://x', home: homeWith() }), UsageError);
    assert.throws(() => resolveTarget({ env: {}, configPath: '/nonexistent/ml-connector.json', home: homeWith() }), UsageError);
    const broken = homeWith(`{"token": "${TOKEN}", oops}`);
    assert.throws(() => resolveTarget({ env: {}, home: broken }), (err: Error) => err instanceof UsageError && !err.message.includes(TOKEN));
  });
});

describe('CLI exit codes', () => {
  test('HTTP statuses map to the documented codes', () => {
    assert.deepEqual([401, 403, 404, 400, 409, 415, 422, 500, 502, 503].map(exitCodeForStatus), [3, 3, 4, 5, 5, 5, 5, 6, 6, 6]);
  });
  test('usage errors are 2, --help is 0, and nothing is sent without a token', async () => {
    const run = async (argv: string[], env: NodeJS.ProcessEnv = { ML_CONNECTOR_TOKEN: TOKEN, ML_CONNECTOR_URL: 'http://127.0.0.1:1' }) => {
      const out: string[] = [];
      const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => out.push(s), env, home: homeWith() });
      return { code, text: out.join('\n') };
    };
    assert.equal((await run(['--help'])).code, 0);
    assert.match((await run(['--help'])).text, /Exit codes:/);
    assert.equal((await run(['nonsense'])).code, 2);
    assert.equal((await run(['connections', 'show'])).code, 2, 'missing <id>');
    assert.equal((await run(['connections', 'redeliver', 'c', '--entity', 'invoices'])).code, 2);
    assert.equal((await run(['connections', 'redeliver', 'c', '--entity', 'invoices', '--to', '2026-01-01T00:00:00Z'])).code, 2);
    assert.equal((await run(['orders', 'list', 'c', '--state', 'lost'])).code, 2);
    assert.equal((await run(['connections', 'delete', 'c'])).code, 2, 'no terminal to confirm on');
    assert.equal((await run(['connections', 'list'], {})).code, 2, 'no token');
    const unreachable = await run(['connections', 'list']);
    assert.equal(unreachable.code, 6);
    assert.ok(!unreachable.text.includes(TOKEN));
  });
});
