import { z } from 'zod';
import { parseKeyRing, type KeyRing } from './crypto';

/**
 * Service configuration, read once from the environment at start. Anything wrong fails here, naming
 * the variable, rather than surfacing later as a confusing runtime error.
 */
const keyRingSpec = z.string().min(1).transform((spec, ctx) => {
  try {
    return parseKeyRing(spec);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** Comma-separated browser origins (scheme://host[:port]), compared exactly with a request's Origin. */
const originList = z.string().transform((spec, ctx) => {
  const origins = spec.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    let origin: string | undefined;
    try { origin = new URL(o).origin; } catch { /* reported below */ }
    if (origin !== o || !/^https?:/.test(o)) ctx.addIssue({ code: 'custom', message: `"${o}" is not an http(s) origin (scheme://host[:port], no path)` });
  }
  return origins;
});

/**
 * Where closed workflow runs' histories go before the namespace's retention removes them:
 * `postgres` (the service's own database), `dir:/absolute/path`, or `off`. `gcs://bucket` is named
 * so an operator gets a clear refusal instead of a silent fallback: the GCS store is not built yet.
 */
export type HistoryExportTarget = { kind: 'postgres' } | { kind: 'dir'; path: string } | { kind: 'gcs'; bucket: string; prefix: string } | { kind: 'off' };
/** Cloud Storage's bucket naming rules (dots allowed, as in domain-named buckets), and a prefix of plain path segments (no . or ..). */
const GCS_SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9._=-]+`;
const GCS_TARGET = new RegExp(String.raw`^gcs://([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?:/((?:${GCS_SEGMENT}/)*${GCS_SEGMENT})?/?)?$`);
export const historyExportTarget = z.string().transform((spec, ctx): HistoryExportTarget => {
  if (spec === 'postgres') return { kind: 'postgres' };
  if (spec === 'off') return { kind: 'off' };
  if (spec.startsWith('dir:')) {
    const path = spec.slice(4);
    if (path.startsWith('/')) return { kind: 'dir', path };
    ctx.addIssue({ code: 'custom', message: 'dir: needs an absolute path (dir:/var/lib/ml-connector/histories)' });
    return z.NEVER;
  }
  if (spec.startsWith('gcs://')) {
    const m = GCS_TARGET.exec(spec);
    if (m) return { kind: 'gcs', bucket: m[1]!, prefix: m[2] ? `${m[2]}/` : '' };
    ctx.addIssue({ code: 'custom', message: 'gcs:// needs a bucket name (3-63 of a-z 0-9 . _ -) and an optional path prefix: gcs://bucket/histories' });
    return z.NEVER;
  }
  ctx.addIssue({ code: 'custom', message: 'must be postgres, dir:/absolute/path, gcs://bucket[/prefix] or off' });
  return z.NEVER;
});

export const configSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('ml-connector'),
  /** "keyId:base64(32 bytes)[,keyId:…]" — the first key encrypts, all decrypt (rotation). */
  CREDENTIAL_KEYS: keyRingSpec,
  PAYLOAD_KEYS: keyRingSpec,
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters'),
  /** Decodes payloads at /codec and nothing else; without it the codec endpoint is off. */
  CODEC_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(24, 'must be at least 24 characters').optional()),
  /** Temporal UI's origin(s), the only pages allowed to call the codec endpoint from a browser. */
  TEMPORAL_UI_ORIGINS: originList.default([]),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_URL: httpUrl.optional(),
  FRESHBOOKS_API_BASE: httpUrl.default('https://api.freshbooks.com'),
  FRESHBOOKS_AUTH_BASE: httpUrl.default('https://auth.freshbooks.com'),
  FRESHBOOKS_CLIENT_ID: z.string().min(1),
  FRESHBOOKS_CLIENT_SECRET: z.string().min(1),
  FRESHBOOKS_REDIRECT_URI: httpUrl.optional(),
  /** Per FreshBooks account; FreshBooks publishes no limit, ~5/s is the third-party figure. */
  FRESHBOOKS_REQUESTS_PER_SEC: z.coerce.number().positive().default(3),
  GOOGLE_TOKEN_URL: httpUrl.default('https://oauth2.googleapis.com/token'),
  BIGQUERY_API_ENDPOINT: httpUrl.default('https://bigquery.googleapis.com'),
  /** Entra ID authority: the token URL is `${this}/${tenantId}/oauth2/v2.0/token`. */
  POWERBI_AUTHORITY_URL: httpUrl.default('https://login.microsoftonline.com'),
  POWERBI_API_BASE: httpUrl.default('https://api.powerbi.com/v1.0/myorg'),
  /**
   * Sends every Tableau request to this origin instead of the site's own host (parsed from the site URL):
   * an egress proxy, or the Tableau sandbox in tests. Unset in production.
   */
  TABLEAU_ORIGIN_OVERRIDE: httpUrl.optional(),
  /** BigCommerce's API host; store routes are `${this}/stores/{store_hash}/v2|v3/…`. */
  BIGCOMMERCE_API_BASE: httpUrl.default('https://api.bigcommerce.com'),
  /** A prebuilt workflow bundle (scripts/build-workflow-bundle.ts); without it the worker bundles at start. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** Temporal UI's base URL (e.g. http://localhost:8233): the console links each connection's workflow there. */
  TEMPORAL_UI_URL: httpUrl.optional(),
  /** How long a console login lasts, in seconds (absolute, from login). */
  CONSOLE_SESSION_TTL_SEC: z.coerce.number().int().min(1).max(30 * 86_400).default(8 * 3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HISTORY_EXPORT: historyExportTarget.default({ kind: 'postgres' }),
  /** How often closed runs are looked for; far below any namespace retention (a day at least). */
  HISTORY_EXPORT_EVERY_SEC: z.coerce.number().int().min(1).max(86_400).default(300),
  /** The service-account key (JSON, or base64 of it) the gcs:// store writes with; checked in full when the worker starts. */
  HISTORY_EXPORT_GCS_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  GCS_API_ENDPOINT: httpUrl.default('https://storage.googleapis.com'),
  /**
   * How long a connection's activity may go without a heartbeat before Temporal takes its worker for dead
   * and retries it elsewhere: the time a killed worker's batch waits before it is taken up again.
   */
  ACTIVITY_HEARTBEAT_TIMEOUT_SEC: z.coerce.number().int().min(2).max(600).default(30),
  /**
   * A connection's run continues as new before it waits for its next poll once its history is past this many
   * events (0: only at Temporal's limit, 1,500 here). A worker replays the whole history of a workflow it
   * evicted from its cache at ~0.5 ms of CPU per event, so with more connections than the cache holds, short
   * histories are what keeps each poll and webhook cheap.
   */
  WORKFLOW_IDLE_HISTORY_EVENTS: z.coerce.number().int().min(0).max(1_500).default(200),
  /** Workflows the worker keeps in memory between tasks (about 0.65 MB of RSS each, measured); the rest are replayed when a task comes. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).max(100_000).default(200),
  /**
   * Workflow tasks the worker runs at once. A webhook delivery runs as a local activity inside its workflow
   * task and holds the task's slot until the destination answered, so this bounds the deliveries in flight.
   */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).default(40),
  /** How long an order's workflow, its work done, waits for late events (refunds, duplicates) before its run ends. */
  ORDER_LINGER_SEC: z.coerce.number().int().min(1).max(86_400).default(60),
}).refine((c) => c.CODEC_TOKEN === undefined || c.CODEC_TOKEN !== c.ADMIN_TOKEN, {
  // The codec token sits in a URL a browser and Temporal UI's settings hold: it must not open the admin API.
  path: ['CODEC_TOKEN'], message: 'must differ from ADMIN_TOKEN',
}).refine((c) => c.HISTORY_EXPORT.kind !== 'gcs' || c.HISTORY_EXPORT_GCS_KEY !== undefined, {
  path: ['HISTORY_EXPORT_GCS_KEY'], message: 'is required when HISTORY_EXPORT is gcs:// (a service-account key with write access to the bucket)',
}).refine((c) => c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS <= c.WORKER_MAX_CACHED_WORKFLOWS, {
  // Temporal's worker would lower it to the cache size with only a warning.
  path: ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'], message: 'must not exceed WORKER_MAX_CACHED_WORKFLOWS',
});

export interface AppConfig {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  credentialKeys: KeyRing;
  payloadKeys: KeyRing;
  adminToken: string;
  codec: { token?: string; allowedOrigins: string[] };
  port: number;
  publicUrl: string;
  freshbooks: {
    apiBase: string;
    authBase: string;
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    requestsPerSec: number;
  };
  google: { tokenUrl: string; bigqueryEndpoint: string };
  powerbi: { authorityUrl: string; apiBase: string };
  bigcommerce: { apiBase: string };
  tableau: { originOverride?: string };
  workflowBundlePath?: string;
  console: { sessionTtlSec: number; temporalUiUrl?: string };
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  historyExport: { target: HistoryExportTarget; everySec: number; gcs: { keyText?: string; apiEndpoint: string } };
  activities: { heartbeatTimeoutSec: number };
  workflows: { idleHistoryEvents: number; maxCached: number; maxConcurrentTasks: number };
  orders: { lingerSec: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const publicUrl = c.PUBLIC_URL ?? `http://127.0.0.1:${c.PORT}`;
  return {
    databaseUrl: c.DATABASE_URL,
    temporal: { address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE, taskQueue: c.TEMPORAL_TASK_QUEUE },
    credentialKeys: c.CREDENTIAL_KEYS,
    payloadKeys: c.PAYLOAD_KEYS,
    adminToken: c.ADMIN_TOKEN,
    codec: { ...(c.CODEC_TOKEN ? { token: c.CODEC_TOKEN } : {}), allowedOrigins: c.TEMPORAL_UI_ORIGINS },
    port: c.PORT,
    publicUrl,
    freshbooks: {
      apiBase: c.FRESHBOOKS_API_BASE,
      authBase: c.FRESHBOOKS_AUTH_BASE,
      clientId: c.FRESHBOOKS_CLIENT_ID,
      clientSecret: c.FRESHBOOKS_CLIENT_SECRET,
      redirectUri: c.FRESHBOOKS_REDIRECT_URI ?? `${publicUrl}/oauth/freshbooks/callback`,
      requestsPerSec: c.FRESHBOOKS_REQUESTS_PER_SEC,
    },
    google: { tokenUrl: c.GOOGLE_TOKEN_URL, bigqueryEndpoint: c.BIGQUERY_API_ENDPOINT },
    powerbi: { authorityUrl: c.POWERBI_AUTHORITY_URL, apiBase: c.POWERBI_API_BASE },
    bigcommerce: { apiBase: c.BIGCOMMERCE_API_BASE },
    tableau: c.TABLEAU_ORIGIN_OVERRIDE ? { originOverride: c.TABLEAU_ORIGIN_OVERRIDE } : {},
    ...(c.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: c.WORKFLOW_BUNDLE_PATH } : {}),
    console: { sessionTtlSec: c.CONSOLE_SESSION_TTL_SEC, ...(c.TEMPORAL_UI_URL ? { temporalUiUrl: c.TEMPORAL_UI_URL } : {}) },
    logLevel: c.LOG_LEVEL,
    historyExport: {
      target: c.HISTORY_EXPORT, everySec: c.HISTORY_EXPORT_EVERY_SEC,
      gcs: { ...(c.HISTORY_EXPORT_GCS_KEY ? { keyText: c.HISTORY_EXPORT_GCS_KEY } : {}), apiEndpoint: c.GCS_API_ENDPOINT },
    },
    activities: { heartbeatTimeoutSec: c.ACTIVITY_HEARTBEAT_TIMEOUT_SEC },
    workflows: { idleHistoryEvents: c.WORKFLOW_IDLE_HISTORY_EVENTS, maxCached: c.WORKER_MAX_CACHED_WORKFLOWS, maxConcurrentTasks: c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS },
    orders: { lingerSec: c.ORDER_LINGER_SEC },
  };
}
