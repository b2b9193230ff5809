import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs `st run` (schemathesis, pinned in scripts/install-tools.sh) against a live API's /openapi.json
 * and hands back its exit code, its summary and every request/response it made (its HAR report).
 */

export interface HarEntry { request: { method: string; url: string }; response: { status: number } }
export interface SchemathesisRun { code: number | null; output: string; entries: HarEntry[]; seconds: number }

function st(): string {
  const candidates = [process.env.TOOLS_PYTHON && path.join(path.dirname(process.env.TOOLS_PYTHON), 'st'), path.resolve(__dirname, '../../.tools/venv/bin/st')];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('no schemathesis in .tools/venv: run scripts/install-tools.sh');
  return found;
}

/** `config` is schemathesis.toml text; `args` go after `st run <schema url>`. */
export async function runSchemathesis(schemaUrl: string, config: string, args: string[], timeoutMs: number): Promise<SchemathesisRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'schemathesis-'));
  const configFile = path.join(dir, 'schemathesis.toml');
  const har = path.join(dir, 'run.har');
  writeFileSync(configFile, config);
  const started = Date.now();
  const child = spawn(st(), ['--no-color', '--config-file', configFile, 'run', schemaUrl, '--report', 'har', '--report-har-path', har, ...args], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' },
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => out.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const entries = existsSync(har) ? (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries : [];
  return { code, output: Buffer.concat(out).toString('utf8'), entries, seconds: (Date.now() - started) / 1000 };
}
