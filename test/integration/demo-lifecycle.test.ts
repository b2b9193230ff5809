import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { generateKeySpec, parseKeyRing } from '../../common/crypto';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import { startPostgres } from '../../scripts/dev-stack';
import { sandboxEnv, startSandboxes, startService } from '../../scripts/local-service';
import { infrastructure, stopOwnStack, workflowBundle } from '../support/harness';

/**
 * The quick start's processes: what they expose, and how they stop. The demo's own start and stop run
 * in a child process (test/support/demo-child.ts) that gets a real Ctrl-C: SIGINT to its whole process
 * group, as a terminal sends it.
 */
const ROOT = resolve(__dirname, '..', '..');

describe('demo stack', () => {
  test('the admin token is nowhere in Temporal\'s arguments or its UI\'s settings, the emulator listens on loopback only, and Ctrl-C stops everything and removes the Postgres data directory', async () => {
    // A secrets file as an older demo wrote it, before the codec token existed.
    const secretsDir = mkdtempSync(join(tmpdir(), 'demo-secrets-'));
    const adminToken = randomBytes(24).toString('base64url');
    writeFileSync(join(secretsDir, 'dev.env'), `CREDENTIAL_KEYS=${generateKeySpec('k1')}\nPAYLOAD_KEYS=${generateKeySpec('p1')}\nADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
    // Through tsx's CLI, as `npm run demo` runs it: tsx relays the signal, so the demo gets Ctrl-C twice.
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['test/support/demo-child.ts', secretsDir], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? -1)));
    let dataDir: string | undefined;
    try {
      const info = JSON.parse(await firstLine(() => stdout, exited, () => stderr)) as {
        apiUrl: string; uiUrl: string; pids: { temporal: number; bigqueryEmulator: number }; postgresDataDir: string; secretsFile: string;
      };
      dataDir = info.postgresDataDir;
      const secrets = Object.fromEntries(readFileSync(info.secretsFile, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      assert.equal(secrets.ADMIN_TOKEN, adminToken, 'the existing admin token is kept');
      assert.ok(secrets.CODEC_TOKEN && secrets.CODEC_TOKEN !== adminToken, 'a codec token of its own is added');

      const args = readFileSync(`/proc/${info.pids.temporal}/cmdline`, 'utf8').split('\0');
      assert.ok(args.includes(`${info.apiUrl}/codec/${secrets.CODEC_TOKEN}`), args.join(' '));
      assert.ok(!args.some((a) => a.includes(adminToken)), 'the admin token is in Temporal\'s arguments');
      const settingsText = await (await fetch(`${info.uiUrl}/api/v1/settings`)).text();
      assert.ok(!settingsText.includes(adminToken), 'the admin token is in the UI\'s settings');
      const settings = JSON.parse(settingsText) as { Codec: { Endpoint: string; IncludeCredentials: boolean } };
      assert.equal(settings.Codec.Endpoint, `${info.apiUrl}/codec/${secrets.CODEC_TOKEN}`);
      assert.equal(settings.Codec.IncludeCredentials, false);

      // The UI's page, at its own origin, decodes through the endpoint it was given.
      const [sealed] = await new EncryptionCodec(parseKeyRing(secrets.PAYLOAD_KEYS!)).encode([defaultPayloadConverter.toPayload('hello')]);
      const res = await fetch(`${settings.Codec.Endpoint}/decode`, {
        method: 'POST', headers: { origin: info.uiUrl, 'content-type': 'application/json', 'x-namespace': 'default' },
        body: JSON.stringify({ payloads: [{ metadata: b64Record(sealed!.metadata!), data: Buffer.from(sealed!.data!).toString('base64') }] }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), info.uiUrl);
      const out = await res.json() as { payloads: { data: string }[] };
      assert.equal(JSON.parse(Buffer.from(out.payloads[0]!.data, 'base64').toString()), 'hello');

      const listening = listeningAddresses(info.pids.bigqueryEmulator);
      assert.ok(listening.length >= 2, `HTTP and gRPC listeners expected: ${listening.join(', ')}`);
      for (const a of listening) assert.ok(LOOPBACK.has(a), `the emulator listens on ${a}`);

      assert.ok(existsSync(info.postgresDataDir));
      process.kill(-child.pid!, 'SIGINT');
      const code = await withTimeout(exited, 120_000, 'the demo did not stop');
      assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
      assert.match(stdout, /stopping\nstopped\n$/, 'the stop ran to its end');
      assert.doesNotMatch(stdout + stderr, /Error|IllegalState|exited with/);
      assert.equal(existsSync(info.postgresDataDir), false, 'the Postgres data directory is left behind');
      for (const pid of Object.values(info.pids)) assert.equal(alive(pid), false, `process ${pid} outlived the demo`);
    } finally {
      // After a failure: stop the child as Ctrl-C would, by force if that fails, and remove what it left.
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGINT');
        await withTimeout(exited, 60_000, 'no stop').catch(() => { process.kill(-child.pid!, 'SIGKILL'); });
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      rmSync(secretsDir, { recursive: true, force: true });
    }
  });
});

describe('local service stop', () => {
  test('stopping after the worker began shutting down (Ctrl-C reaches the Temporal runtime first), twice over, raises nothing and leaves no data directory', async () => {
    const infra = await infrastructure();
    try {
      for (let round = 0; round < 2; round++) {
        const pg = await startPostgres();
        const sandboxes = await startSandboxes();
        try {
          const env = sandboxEnv(sandboxes, { databaseUrl: pg.url, temporalAddress: infra.temporalAddress, bigqueryEndpoint: infra.bigqueryEmulatorUrl }, {
            LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
          });
          const service = await startService(env, { workflowBundle: await workflowBundle() });
          assert.ok(pg.dataDir && existsSync(pg.dataDir));
          // What the runtime's signal handler does before the demo's own handler runs.
          service.worker!.worker.shutdown();
          await Promise.all([service.close(), service.close()]);
          await service.close();
        } finally {
          await sandboxes.close();
          await Promise.all([pg.stop(), pg.stop()]);
        }
        assert.ok(pg.dataDir);
        assert.equal(existsSync(pg.dataDir), false);
      }
    } finally {
      await stopOwnStack();
    }
  });
});

const LOOPBACK = new Set(['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

/** Local addresses (as /proc/net/tcp* writes them) of the sockets `pid` listens on. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode; st 0A is LISTEN.
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) out.push(f[1]!.split(':')[0]!);
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const b64Record = (r: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

async function firstLine(text: () => string, exited: Promise<unknown>, stderr: () => string): Promise<string> {
  const until = Date.now() + 300_000;
  let gone = false;
  void exited.then(() => { gone = true; });
  while (!text().includes('\n')) {
    if (gone || Date.now() > until) throw new Error(`the demo did not start:\n${text()}\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return text().slice(0, text().indexOf('\n'));
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
