/**
 * Run the FreshBooks sandbox on its own:
 *   npx tsx sandbox/freshbooks/main.ts [--port 4010] [--seed 1] [--scale 1] [--token-ttl 43200] [--rate-limit 0]
 * Prints the URL, the OAuth client id/secret and the account ids, then serves until killed.
 */
import { createFreshBooksSandbox } from './index';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : process.env[`FRESHBOOKS_SANDBOX_${name.toUpperCase().replace(/-/g, '_')}`];
}

async function main(): Promise<void> {
  const num = (name: string) => (arg(name) !== undefined ? Number(arg(name)) : undefined);
  const started = Date.now();
  const sandbox = createFreshBooksSandbox({
    ...(num('seed') !== undefined ? { seed: num('seed')! } : {}),
    ...(num('scale') !== undefined ? { scale: num('scale')! } : {}),
    ...(num('token-ttl') !== undefined ? { accessTokenTtlSec: num('token-ttl')! } : {}),
    ...(num('rate-limit') ? { rateLimitPerSec: num('rate-limit')! } : {}),
    ...(arg('client-id') ? { clientId: arg('client-id')! } : {}),
    ...(arg('client-secret') ? { clientSecret: arg('client-secret')! } : {}),
  });
  const seededMs = Date.now() - started;
  const { url, close } = await sandbox.listen(num('port') ?? 4010);
  const info = {
    url,
    clientId: sandbox.state.tokens.opts.clientId,
    clientSecret: sandbox.state.tokens.opts.clientSecret,
    accountIds: sandbox.state.accountIds(),
    counts: sandbox.state.counts,
    seededMs,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const stop = () => void close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
