/**
 * Google sandbox: an OAuth token endpoint (JWT-bearer grant) plus a fast in-memory BigQuery REST API
 * with fault injection. Used by the backfill benchmark and by fault tests the emulator cannot do
 * (409 duplicate jobs, insertId dedup, 429/503 with Retry-After, token expiry/revocation).
 *
 *   const sb = createGoogleSandbox();
 *   const key = generateTestServiceAccountKey();
 *   sb.state.registerServiceAccount(key.clientEmail, key.publicKeyPem);
 *   const { url, tokenUrl, close } = await sb.listen();
 *   // BigQueryWarehouse({ apiEndpoint: url, tokens: new ServiceAccountTokenProvider({ key, tokenUrl }) })
 */
import express, { type Request, type Response, type NextFunction } from 'express';
import { getDataset, getJob, getTable, insertAll, insertDataset, insertTable, patchTable, rejectQuery, uploadJob, type ApiRequest } from './bigquery-api';
import { googleError, oauthError, type Reply } from './google-errors';
import { GoogleSandboxState, type FaultScope, type FaultSpec } from './state';
import { exchangeToken, scopeAllows } from './token-endpoint';
import { listenOnLoopback } from '../kit/listen';

export { GoogleSandboxState, type FaultSpec, type FaultScope, type SandboxStats } from './state';
export { generateTestServiceAccountKey, type TestServiceAccountKey } from './test-keys';

export interface GoogleSandboxOptions {
  /** Lifetime of issued access tokens (Google: ~3599 s). */
  tokenTtlSec?: number;
  /** Faults queued from the start; more can be added with state.injectFaults(). */
  failures?: FaultSpec[];
  /** Clock in epoch ms, shared by token expiry, JWT time checks and the insertId window. */
  now?: () => number;
  /** Best-effort insertId dedup window (real BigQuery: about a minute). */
  insertIdWindowMs?: number;
  /** Load jobs answer RUNNING for this many jobs.get calls before turning DONE. */
  jobPendingPolls?: number;
  /** Require Bearer tokens issued by /token on BigQuery calls (default true). */
  requireAuth?: boolean;
}

export interface RunningGoogleSandbox {
  /** Base URL to use as BigQueryWarehouse apiEndpoint. */
  url: string;
  /** URL to use as ServiceAccountTokenProvider tokenUrl. */
  tokenUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface GoogleSandbox {
  app: express.Express;
  state: GoogleSandboxState;
  listen(port?: number): Promise<RunningGoogleSandbox>;
}

type Handler = (state: GoogleSandboxState, req: ApiRequest) => Reply;

export function createGoogleSandbox(opts: GoogleSandboxOptions = {}): GoogleSandbox {
  const state = new GoogleSandboxState(
    opts.now ?? Date.now,
    opts.tokenTtlSec ?? 3599,
    opts.insertIdWindowMs ?? 60_000,
    opts.jobPendingPolls ?? 0,
    opts.requireAuth ?? true,
  );
  for (const f of opts.failures ?? []) state.injectFaults(f);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post('/token', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    state.countRequest('oauth.token');
    const fault = state.takeFault('token', 'before');
    if (fault) return send(res, faultReply(fault, true));
    const selfUrl = `${req.protocol}://${req.get('host')}${req.originalUrl.split('?')[0]}`;
    const reply = exchangeToken(state, { form: (req.body ?? {}) as Record<string, unknown>, selfUrl });
    const after = state.takeFault('token', 'after');
    send(res, after ? faultReply(after, true) : reply);
  });

  const route = (op: string, scope: FaultScope, handler: Handler) => (req: Request, res: Response) => {
    state.countRequest(op);
    const denied = authorize(state, req, scope === 'insertAll');
    if (denied) return send(res, denied);
    const before = state.takeFault(scope, 'before');
    if (before) return send(res, faultReply(before, false));
    const reply = handler(state, {
      params: req.params as Record<string, string>,
      query: req.query as Record<string, unknown>,
      headers: req.headers,
      body: req.body,
      baseUrl: `${req.protocol}://${req.get('host')}`,
    });
    const after = state.takeFault(scope, 'after');
    send(res, after ? faultReply(after, false) : reply);
  };

  // Uploads first: the body is raw multipart, not JSON.
  app.post(
    '/upload/bigquery/v2/projects/:projectId/jobs',
    express.raw({ type: () => true, limit: '1gb' }),
    route('jobs.insert(upload)', 'load', uploadJob),
  );

  const api = express.Router();
  // insertAll's documented request limit is 10 MB; beyond it Google answers 413.
  api.use(express.json({ limit: '10mb' }));
  api.get('/projects/:projectId/datasets/:datasetId', route('datasets.get', 'datasets', getDataset));
  api.post('/projects/:projectId/datasets', route('datasets.insert', 'datasets', insertDataset));
  api.get('/projects/:projectId/datasets/:datasetId/tables/:tableId', route('tables.get', 'tables', getTable));
  api.post('/projects/:projectId/datasets/:datasetId/tables', route('tables.insert', 'tables', insertTable));
  api.patch('/projects/:projectId/datasets/:datasetId/tables/:tableId', route('tables.patch', 'tables', patchTable));
  api.post('/projects/:projectId/datasets/:datasetId/tables/:tableId/insertAll', route('tabledata.insertAll', 'insertAll', insertAll));
  api.get('/projects/:projectId/jobs/:jobId', route('jobs.get', 'jobs.get', getJob));
  api.post('/projects/:projectId/jobs', route('jobs.insert', 'bigquery', () => rejectQuery()));
  api.post('/projects/:projectId/queries', route('jobs.query', 'bigquery', () => rejectQuery()));
  // Like the emulator, accept paths with and without the /bigquery/v2 prefix.
  app.use('/bigquery/v2', api);
  app.use(api);

  app.use((_req: Request, res: Response) => send(res, googleError(404, 'notFound', 'Not found: sandbox has no such route')));
  app.use((err: { status?: number; type?: string; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500;
    const message = err.type === 'entity.too.large' ? 'Request payload size exceeds the limit: 10485760 bytes.' : (err.message ?? 'internal error');
    send(res, googleError(status, status >= 500 ? 'internalError' : 'invalid', message));
  });

  return {
    app,
    state,
    listen: async (port = 0) => {
      const { url, port: bound, close } = await listenOnLoopback(app, port, { keepAliveTimeoutMs: 30_000 });
      return { url, tokenUrl: `${url}/token`, port: bound, close };
    },
  };
}

function authorize(state: GoogleSandboxState, req: Request, insertAll: boolean): Reply | undefined {
  if (!state.requireAuth) return undefined;
  const header = req.headers.authorization;
  const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const issued = token ? state.tokens.get(token) : undefined;
  if (!issued || issued.expiresAtMs <= state.now()) {
    state.stats.unauthorizedRequests++;
    return googleError(
      401,
      'unauthorized',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );
  }
  if (!scopeAllows(issued.scopes, insertAll)) {
    return googleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
  }
  return undefined;
}

function faultReply(fault: FaultSpec, oauth: boolean): Reply {
  const headers: Record<string, string> | undefined = fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : undefined;
  if (oauth) {
    const reply = oauthError(fault.status, fault.status === 429 ? 'rate_limit_exceeded' : 'internal_failure', 'Sandbox injected fault');
    if (headers) reply.headers = headers;
    return reply;
  }
  const reason = fault.reason ?? (fault.status === 429 || fault.status === 403 ? 'rateLimitExceeded' : 'backendError');
  const message =
    reason === 'rateLimitExceeded'
      ? 'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas'
      : 'Error encountered during execution. Retrying may solve the problem.';
  return googleError(fault.status, reason, message, headers);
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  if (reply.body === undefined) res.end();
  else res.json(reply.body);
}
