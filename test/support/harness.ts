import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { installWorkerRuntime } from '../../workers/runtime';
import { workflowBundle, workflowBundleFile } from './workflow-bundle';
import { startBigQueryEmulator, startRestartablePostgres, startRestartableTemporal, startStack, terminate, type RestartablePostgres, type RestartableTemporal, type Stack } from '../../scripts/dev-stack';
import { adminCall, sandboxEnv, startSandboxes, startService, type LocalService, type Sandboxes } from '../../scripts/local-service';

/**
 * An integration environment: the real Temporal dev server, real Postgres (a fresh database per
 * harness), the BigQuery emulator, and the FreshBooks/Google sandboxes on ephemeral ports.
 */
export { EMULATOR_PROJECT } from '../../scripts/dev-stack';

let ownStack: Promise<Stack> | undefined;
let openHarnesses = 0;

export { workflowBundle } from './workflow-bundle';

/**
 * For tests that kill a worker: the service's own heartbeat timeout setting, short, so the killed worker's
 * activity is retried on its successor in seconds instead of the production default's 30. Activities beat
 * three times per timeout (activities/heartbeat.ts), so a live one is not taken for dead.
 */
export const QUICK_HEARTBEAT_ENV = { ACTIVITY_HEARTBEAT_TIMEOUT_SEC: '5' } as const;

export interface Infrastructure {
  temporalAddress: string;
  databaseUrl: string;
  bigqueryEmulatorUrl: string;
}

/** Services started by scripts/with-stack.ts (npm test), or a stack of our own when run alone. */
export async function infrastructure(): Promise<Infrastructure> {
  const { TEMPORAL_ADDRESS, TEST_DATABASE_URL, BIGQUERY_EMULATOR_URL } = process.env;
  if (TEMPORAL_ADDRESS && TEST_DATABASE_URL && BIGQUERY_EMULATOR_URL) {
    return { temporalAddress: TEMPORAL_ADDRESS, databaseUrl: TEST_DATABASE_URL, bigqueryEmulatorUrl: BIGQUERY_EMULATOR_URL };
  }
  ownStack ??= startStack();
  return ownStack;
}

export async function stopOwnStack(): Promise<void> {
  if (ownStack) await (await ownStack).stop();
}

export async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface HarnessOptions {
  freshbooks?: NonNullable<Parameters<typeof startSandboxes>[0]>['freshbooks'];
  googleTokenTtlSec?: number;
  powerbi?: NonNullable<Parameters<typeof startSandboxes>[0]>['powerbi'];
  bigcommerce?: NonNullable<Parameters<typeof startSandboxes>[0]>['bigcommerce'];
  tableau?: NonNullable<Parameters<typeof startSandboxes>[0]>['tableau'];
  /** Where BigQuery calls go: the goccy emulator (real SQL), or the in-memory sandbox (faithful schema
   * changes, 409s and faults, but no SQL). */
  bigquery?: 'emulator' | 'sandbox';
  /** false: no in-process worker (tests that run it in a child process). */
  worker?: boolean;
  /** Servers of this harness's own instead of the shared stack's, for a test to stop and start again (`Harness.own`). */
  own?: { postgres?: boolean; temporal?: boolean };
  /** Dynamic config of the own Temporal server (`own.temporal`), e.g. `limit.historyCount.suggestContinueAsNew=60`. */
  temporalDynamicConfig?: string[];
  env?: Record<string, string>;
}

export interface Harness extends LocalService, Sandboxes {
  env: Record<string, string>;
  bigqueryEmulatorUrl: string;
  /** The servers asked for with `HarnessOptions.own`. */
  own: { postgres?: RestartablePostgres; temporal?: RestartableTemporal };
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  installWorkerRuntime('error');
  const infra = await infrastructure();
  const own = {
    ...(opts.own?.postgres ? { postgres: await startRestartablePostgres() } : {}),
    ...(opts.own?.temporal ? { temporal: await startRestartableTemporal({ dynamicConfig: opts.temporalDynamicConfig }) } : {}),
  };
  const sandboxes = await startSandboxes({ freshbooks: opts.freshbooks, googleTokenTtlSec: opts.googleTokenTtlSec, powerbi: opts.powerbi, bigcommerce: opts.bigcommerce, tableau: opts.tableau });
  // An empty emulator of its own: the emulator slows with every table it holds (600 tables made its
  // queries 4.8x slower), so a file late in the suite would otherwise pay for every file before it.
  const emulator = opts.bigquery === 'sandbox' ? undefined : await startBigQueryEmulator();
  const bigqueryEmulatorUrl = emulator?.url ?? infra.bigqueryEmulatorUrl;
  const bigqueryEndpoint = opts.bigquery === 'sandbox' ? sandboxes.googleUrl : bigqueryEmulatorUrl;
  const env = sandboxEnv(sandboxes, {
    databaseUrl: own.postgres?.url ?? await freshDatabase(infra.databaseUrl),
    temporalAddress: own.temporal?.address ?? infra.temporalAddress,
    bigqueryEndpoint,
  }, {
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    FRESHBOOKS_REQUESTS_PER_SEC: '200',
    LOG_LEVEL: 'silent',
    // Child workers (workers/main.ts) load the same bundle instead of webpacking their own.
    WORKFLOW_BUNDLE_PATH: await workflowBundleFile(),
    // Many files read one run's history after a sync (the audit trail, signals counted, markers): a run that
    // continued as new before its wait would move those events out of reach. Tests of that behaviour set it.
    WORKFLOW_IDLE_HISTORY_EVENTS: '0',
    ...opts.env,
  });
  const service = await startService(env, { worker: opts.worker, workflowBundle: await workflowBundle() });
  openHarnesses += 1;
  return {
    ...sandboxes,
    ...service,
    // A worker in a child process builds its webhook callback URIs from PUBLIC_URL: without it they point
    // at the default port, where no API listens, and FreshBooks' webhooks never reach this harness's API.
    env: { PUBLIC_URL: service.apiUrl, ...env },
    bigqueryEmulatorUrl,
    own,
    admin: (path, init) => adminCall(service.apiUrl, env.ADMIN_TOKEN, path, init),
    async close() {
      await service.close();
      await sandboxes.close();
      if (emulator) await terminate(emulator.child);
      await own.postgres?.close();
      await own.temporal?.close();
      // A file run on its own started its own stack; the last harness to close stops it.
      openHarnesses -= 1;
      if (openHarnesses === 0) await stopOwnStack();
    },
  };
}
