import { spawn } from 'node:child_process';
import { startStack } from './dev-stack';

/** Runs a command with a fresh local stack, its addresses in the environment; tears it down after. */
async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) throw new Error('usage: with-stack <command> [args…]');
  const started = Date.now();
  const stack = await startStack();
  process.stderr.write(`[stack] Temporal ${stack.temporalAddress}, BigQuery emulator ${stack.bigqueryEmulatorUrl}, Postgres ready in ${Date.now() - started} ms\n`);
  const child = spawn(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, BIGQUERY_EMULATOR_URL: stack.bigqueryEmulatorUrl, TEST_DATABASE_URL: stack.databaseUrl },
  });
  const code: number = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  await stack.stop();
  process.exit(code);
}

main().catch((err) => { console.error(err); process.exit(1); });
