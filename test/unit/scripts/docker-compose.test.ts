/**
 * docker-compose.yml is valid for Docker Compose, checked without Docker: scripts/compose-check loads it
 * with compose-spec/compose-go (the loader Docker Compose uses: interpolation, compose-spec schema,
 * consistency checks, all profiles enabled) and checks the services this stack needs. The binary is
 * built by scripts/install-tools.sh into .tools/bin/compose-check ($COMPOSE_CHECK_BIN overrides).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const CHECKER = process.env.COMPOSE_CHECK_BIN ?? join(ROOT, '.tools', 'bin', 'compose-check');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function composeCheck(file: string): Result {
  // --project-directory: a broken copy lives in a temp dir, but `build: .` must still resolve to the repo.
  const r = spawnSync(CHECKER, ['--project-directory', ROOT, file], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Replaces exactly one occurrence, so a drifting compose file breaks the test instead of silently passing it. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `expected exactly one ${JSON.stringify(from)} in docker-compose.yml`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

describe('docker-compose.yml (compose-go loader)', () => {
  let dir: string;
  let original: string;

  before(() => {
    assert.ok(existsSync(CHECKER), `${CHECKER} is missing: run bash scripts/install-tools.sh`);
    dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    original = readFileSync(COMPOSE_FILE, 'utf8');
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is a valid compose project with the services the stack needs', () => {
    const r = composeCheck(COMPOSE_FILE);
    assert.equal(r.status, 0, `compose-check failed:\n${r.stderr}${r.stdout}`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /ok \(project ml-connector, \d+ services: /);
    for (const svc of ['api', 'worker', 'postgres', 'temporal', 'temporal-ui', 'bigquery-emulator']) {
      assert.match(r.stdout, new RegExp(`[ :]${svc}[,;]`), `service ${svc} not reported`);
    }
  });

  it('rejects broken copies, naming the problem', () => {
    const cases: Array<{ name: string; yaml: string; error: RegExp }> = [
      {
        name: 'unknown top-level key',
        yaml: replaceOnce(original, '\nvolumes:\n', '\nservicez: {}\nvolumes:\n'),
        error: /additional properties 'servicez' not allowed/,
      },
      {
        name: 'bad depends_on condition',
        yaml: replaceOnce(
          original,
          'depends_on:\n      temporal-db: { condition: service_healthy }',
          'depends_on:\n      temporal-db: { condition: service_ready }',
        ),
        error: /services\.temporal\.depends_on\.temporal-db\.condition value must be one of 'service_started', 'service_healthy', 'service_completed_successfully'/,
      },
      {
        name: 'depends_on an undefined service',
        yaml: replaceOnce(original, 'depends_on: [temporal]', 'depends_on: [temporall]'),
        error: /service "temporal-ui" depends on undefined service "temporall"/,
      },
      {
        name: 'worker no longer depends on temporal',
        yaml: replaceOnce(
          original,
          '"workers/main.ts"]\n    environment: *service-env\n    depends_on:\n      postgres: { condition: service_healthy }\n      temporal: { condition: service_started }\n',
          '"workers/main.ts"]\n    environment: *service-env\n    depends_on:\n      postgres: { condition: service_healthy }\n',
        ),
        error: /service "worker" does not depend on "temporal"/,
      },
    ];
    for (const c of cases) {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yml`);
      writeFileSync(file, c.yaml);
      const r = composeCheck(file);
      assert.equal(r.status, 1, `${c.name}: expected failure, got ${r.status}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.error, `${c.name}: unexpected message:\n${r.stderr}`);
      assert.equal(r.stdout, '', `${c.name}: nothing should be reported as ok`);
    }
  });
});
