import { devSecrets, startDemo, untilStopSignal } from '../../scripts/demo-stack';
import { freePort } from '../../scripts/dev-stack';

/**
 * The quick start's start and stop (scripts/demo-stack.ts, as scripts/demo.ts uses them) without its
 * walkthrough, for test/integration/demo-lifecycle.test.ts: prints where everything is, then waits for
 * Ctrl-C. Argument: the directory for the secrets file.
 */
async function main(): Promise<void> {
  const secrets = devSecrets(process.argv[2]);
  const demo = await startDemo(secrets.values, await freePort(), { LOG_LEVEL: 'warn' });
  try {
    const { stack, service } = demo;
    process.stdout.write(`${JSON.stringify({ apiUrl: service.apiUrl, uiUrl: stack.temporalUiUrl, pids: stack.pids, postgresDataDir: stack.postgresDataDir, secretsFile: secrets.file })}\n`);
    await untilStopSignal();
    process.stdout.write('stopping\n');
  } finally {
    await demo.stop();
  }
  process.stdout.write('stopped\n');
}

main().catch((err) => { console.error(err); process.exit(1); });
