/**
 * The Tableau REST API as measured (wave2-hands-on "Tableau REST, as measured", destinations.md C1–C5, C8),
 * mounted at `/api/:version`: serverinfo, PAT sign-in/out, sites, projects, data sources, file uploads,
 * publish, Update Data (PATCH …/data) and jobs.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { listHyperTables, type HyperProcess } from '../../connectors/hyper';
import { applyActions, parseActions } from './actions';
import { badRequest, invalidToken, missingToken, notFound, send, signinError, tsError, unescapeXml, xmlAttr, xmlTag, type Reply } from './format';
import { parseMultipartMixed, type Part } from './multipart';
import type { DataSource, FaultScope, FaultSpec, Job, Session, TableauSandboxState } from './state';

interface Ctx {
  req: Request;
  session: Session;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function versionCompare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am !== bm ? am - bm : an - bn;
}

export function apiRoutes(state: TableauSandboxState, hyper: HyperProcess, timers: Set<NodeJS.Timeout>): Router {
  const r = Router({ mergeParams: true });
  // Raw bytes for every body: the routes decide between JSON, XML and multipart/mixed themselves.
  r.use(express.raw({ type: () => true, limit: '256mb' }));
  r.use((req: Request, res: Response, next: NextFunction) => {
    const v = String(req.params.version);
    if (!/^\d+\.\d+$/.test(v) || versionCompare(v, state.restApiVersion) > 0 || versionCompare(v, '2.0') < 0) {
      return send(req, res, tsError(404, '404000', 'Resource Not Found', `REST API version ${v} is not supported by this server (newest: ${state.restApiVersion}).`));
    }
    next();
  });

  r.get('/serverinfo', (req, res) => {
    send(req, res, {
      status: 200,
      body: { serverInfo: { productVersion: { value: state.productVersion, build: `${state.productVersion.replace(/\./g, '')}.25.1010.1234` }, restApiVersion: state.restApiVersion } },
    });
  });

  r.post('/auth/signin', (req, res) => {
    const fault = state.takeFault(['signin'], 'before');
    if (fault) return send(req, res, faultReply(state, fault));
    send(req, res, signIn(state, req));
  });

  r.post('/auth/signout', (req, res) => {
    const token = req.get('x-tableau-auth');
    if (token && state.sessions.delete(token)) state.stats.signOuts++;
    send(req, res, { status: 204 });
  });

  const route =
    (scope: FaultScope | undefined, handler: (ctx: Ctx) => Reply | Promise<Reply>) =>
    async (req: Request, res: Response) => {
      const token = req.get('x-tableau-auth');
      if (!token) return send(req, res, missingToken());
      const session = state.session(token);
      if (!session) {
        state.stats.invalidTokenRequests++;
        return send(req, res, invalidToken());
      }
      const siteId = String(req.params.siteId);
      if (!state.sites.has(siteId)) {
        // Where the LUID belongs a contentUrl is the usual mistake (C8-1).
        return send(req, res, notFound('404000', 'Site Not Found', `Site '${siteId}' could not be found. Paths take the site LUID from sign-in, not its contentUrl.`));
      }
      if (siteId !== session.siteId) return send(req, res, tsError(403, '403000', 'Forbidden', 'The session was not signed in to this site.'));
      const scopes: FaultScope[] = scope ? ['api', scope] : ['api'];
      const before = state.takeFault(scopes, 'before');
      if (before) return send(req, res, faultReply(state, before, token));
      const reply = await handler({ req, session });
      const after = reply.status < 300 ? state.takeFault(scopes, 'after') : undefined;
      send(req, res, after ? faultReply(state, after, token) : reply);
    };

  r.get('/sites/:siteId', route(undefined, ({ session }) => {
    const site = state.sites.get(session.siteId)!;
    return { status: 200, body: { site: { id: site.id, name: site.name, contentUrl: site.contentUrl, state: 'Active' } } };
  }));
  r.get('/sites/:siteId/projects', route(undefined, ({ req, session }) => listProjects(state, req, session)));
  r.get('/sites/:siteId/datasources', route(undefined, ({ req, session }) => listDatasources(state, req, session)));
  r.get('/sites/:siteId/datasources/:dsId', route(undefined, ({ req, session }) => {
    const ds = findDatasource(state, session, String(req.params.dsId));
    return 'status' in ds ? ds : { status: 200, body: { datasource: datasourceJson(state, ds) } };
  }));
  r.delete('/sites/:siteId/datasources/:dsId', route(undefined, async ({ req, session }) => {
    const ds = findDatasource(state, session, String(req.params.dsId));
    if ('status' in ds) return ds;
    await state.withLock(ds.id, async () => {
      state.datasources.delete(ds.id);
      await rm(ds.file, { force: true });
    });
    return { status: 204 };
  }));
  r.post('/sites/:siteId/fileUploads', route('upload', ({ session }) => {
    const u = state.newUploadSession(session.siteId, '');
    u.file = join(state.dataDir, `upload-${randomUUID()}.bin`);
    return { status: 201, body: { fileUpload: { uploadSessionId: u.id, fileSize: '0' } } };
  }));
  r.put('/sites/:siteId/fileUploads/:uploadId', route('upload', ({ req, session }) => appendChunk(state, req, session)));
  r.post('/sites/:siteId/datasources', route('publish', ({ req, session }) => publish(state, hyper, req, session, timers)));
  const patch = route('patch', ({ req, session }) => updateData(state, hyper, req, session, timers));
  r.patch('/sites/:siteId/datasources/:dsId/data', patch);
  r.patch('/sites/:siteId/datasources/:dsId/connections/:connectionId/data', patch);
  r.get('/sites/:siteId/jobs/:jobId', route('job-get', ({ req, session }) => {
    const job = state.jobs.get(String(req.params.jobId));
    if (!job || job.siteId !== session.siteId) return notFound('404000', 'Resource Not Found', `Job '${String(req.params.jobId)}' could not be found.`);
    return { status: 200, body: { job: jobJson(state, job) } };
  }));
  r.put('/sites/:siteId/jobs/:jobId', route(undefined, ({ req, session }) => {
    const job = state.jobs.get(String(req.params.jobId));
    if (!job || job.siteId !== session.siteId) return notFound('404000', 'Resource Not Found', `Job '${String(req.params.jobId)}' could not be found.`);
    state.cancelJob(job.id);
    return { status: 200, body: { job: jobJson(state, job) } };
  }));

  r.use((req: Request, res: Response) => send(req, res, notFound('404000', 'Resource Not Found', `No sandbox route for ${req.method} ${req.originalUrl}`)));
  r.use((err: { type?: string; status?: number; message?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return send(req, res, tsError(413, '413000', 'Payload Too Large', 'The request body is too large.'));
    send(req, res, tsError(err.status && err.status >= 400 && err.status < 500 ? err.status : 500, '500000', 'Internal Server Error', err.message ?? 'internal error'));
  });
  return r;
}

function faultReply(state: TableauSandboxState, fault: FaultSpec, token?: string): Reply {
  const retry = (fault.status === 429 || fault.status === 503) && fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : undefined;
  if (fault.status === 401) {
    // A session Tableau ended (idle limit, admin, another sign-in): the token is gone for good.
    if (token) state.sessions.delete(token);
    return invalidToken();
  }
  if (fault.status === 404) return notFound('404000', 'Site Not Found', 'Sandbox injected fault: the site could not be found.');
  if (fault.status === 429) return tsError(429, '429000', 'Too Many Requests', 'Sandbox injected fault: too many requests.', retry);
  return tsError(fault.status, `${fault.status}000`, 'Sandbox Injected Fault', 'Sandbox injected fault.', retry);
}

// ── sign-in ───────────────────────────────────────────────────────────────

function signIn(state: TableauSandboxState, req: Request): Reply {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  let name: string | undefined;
  let secret: string | undefined;
  let contentUrl: string | undefined;
  if (type === 'application/json') {
    let body: { credentials?: { personalAccessTokenName?: unknown; personalAccessTokenSecret?: unknown; site?: { contentUrl?: unknown } } };
    try {
      body = JSON.parse(text);
    } catch {
      return badRequest('The sign-in body is not valid JSON.');
    }
    const c = body?.credentials;
    if (!c || typeof c !== 'object') return badRequest('The sign-in body needs a credentials object.');
    name = typeof c.personalAccessTokenName === 'string' ? c.personalAccessTokenName : undefined;
    secret = typeof c.personalAccessTokenSecret === 'string' ? c.personalAccessTokenSecret : undefined;
    contentUrl = typeof c.site?.contentUrl === 'string' ? c.site.contentUrl : undefined;
  } else if (type === 'application/xml' || type === 'text/xml' || type === '') {
    const creds = xmlTag(text, 'credentials');
    if (!/<tsRequest[\s>]/.test(text) || !creds) return badRequest('The sign-in body needs <tsRequest><credentials …>.');
    name = xmlAttr(creds, 'personalAccessTokenName');
    secret = xmlAttr(creds, 'personalAccessTokenSecret');
    const site = xmlTag(text, 'site');
    contentUrl = site ? xmlAttr(site, 'contentUrl') : undefined;
  } else {
    return tsError(415, '415000', 'Unsupported Media Type', `Sign-in takes application/json or application/xml, not '${type}'.`);
  }
  const pat = name !== undefined ? state.pats.get(name) : undefined;
  const site = state.siteByContentUrl(contentUrl ?? '');
  if (!pat || pat.revoked || secret === undefined || pat.secret !== secret || !site || site.id !== pat.siteId) {
    state.stats.signInFailures++;
    return signinError();
  }
  const session = state.signIn(pat);
  const left = Math.max(0, state.sessionTtlMs);
  const hms = `${Math.floor(left / 3_600_000)}:${String(Math.floor((left % 3_600_000) / 60_000)).padStart(2, '0')}:${String(Math.floor((left % 60_000) / 1000)).padStart(2, '0')}`;
  return {
    status: 200,
    body: { credentials: { site: { id: site.id, contentUrl: site.contentUrl }, user: { id: session.userId }, token: session.token, estimatedTimeToExpiration: hms } },
  };
}

// ── listing ───────────────────────────────────────────────────────────────

/** `filter=name:eq:Value[,field:eq:Value]`; only eq on the fields given. */
function parseFilter(raw: unknown, fields: string[]): Map<string, string> | Reply {
  const out = new Map<string, string>();
  if (raw === undefined) return out;
  if (typeof raw !== 'string') return badRequest('filter must be a single string');
  for (const expr of raw.split(',')) {
    const m = /^([A-Za-z]+):(eq):(.*)$/.exec(expr);
    if (!m || !fields.includes(m[1]!)) return tsError(400, '400065', 'Bad Request', `Invalid filter expression '${expr}' (supported here: ${fields.map((f) => `${f}:eq:<value>`).join(', ')}).`);
    out.set(m[1]!, m[3]!);
  }
  return out;
}

function page<T>(req: Request, items: T[]): { items: T[]; pagination: Record<string, string> } | Reply {
  const size = req.query.pageSize === undefined ? 100 : Number(req.query.pageSize);
  const num = req.query.pageNumber === undefined ? 1 : Number(req.query.pageNumber);
  if (!Number.isInteger(size) || size < 1 || size > 1000) return badRequest('pageSize must be an integer from 1 to 1000');
  if (!Number.isInteger(num) || num < 1) return badRequest('pageNumber must be a positive integer');
  return { items: items.slice((num - 1) * size, num * size), pagination: { pageNumber: String(num), pageSize: String(size), totalAvailable: String(items.length) } };
}

function listProjects(state: TableauSandboxState, req: Request, session: Session): Reply {
  const filter = parseFilter(req.query.filter, ['name']);
  if ('status' in filter) return filter;
  const all = [...state.projects.values()].filter((p) => p.siteId === session.siteId && (!filter.has('name') || p.name === filter.get('name')));
  const paged = page(req, all);
  if ('status' in paged) return paged;
  return {
    status: 200,
    body: {
      pagination: paged.pagination,
      projects: { project: paged.items.map((p) => ({ id: p.id, name: p.name, description: p.description, contentPermissions: 'ManagedByOwner', ...(p.parentProjectId ? { parentProjectId: p.parentProjectId } : {}) })) },
    },
  };
}

function listDatasources(state: TableauSandboxState, req: Request, session: Session): Reply {
  const filter = parseFilter(req.query.filter, ['name', 'projectName']);
  if ('status' in filter) return filter;
  const all = [...state.datasources.values()].filter(
    (d) => d.siteId === session.siteId && (!filter.has('name') || d.name === filter.get('name')) && (!filter.has('projectName') || state.projects.get(d.projectId)?.name === filter.get('projectName')),
  );
  const paged = page(req, all);
  if ('status' in paged) return paged;
  return { status: 200, body: { pagination: paged.pagination, datasources: { datasource: paged.items.map((d) => datasourceJson(state, d)) } } };
}

function datasourceJson(state: TableauSandboxState, d: DataSource): Record<string, unknown> {
  const project = state.projects.get(d.projectId);
  return {
    id: d.id,
    name: d.name,
    contentUrl: d.contentUrl,
    type: 'hyper',
    createdAt: iso(d.createdAtMs),
    updatedAt: iso(d.updatedAtMs),
    encryptExtracts: 'false',
    hasExtracts: true,
    isCertified: false,
    useRemoteQueryAgent: false,
    project: { id: d.projectId, name: project?.name ?? '' },
    owner: { id: d.ownerId },
  };
}

function findDatasource(state: TableauSandboxState, session: Session, id: string): DataSource | Reply {
  const ds = state.datasources.get(id);
  if (!ds || ds.siteId !== session.siteId) return notFound('404011', 'Resource Not Found', `Datasource '${id}' could not be found.`);
  return ds;
}

// ── uploads and publish ───────────────────────────────────────────────────

function multipart(req: Request): { parts: Part[] } | Reply {
  const parsed = parseMultipartMixed(req.get('content-type'), Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  if ('error' in parsed) return tsError(parsed.status, parsed.status === 415 ? '415000' : '400000', parsed.status === 415 ? 'Unsupported Media Type' : 'Bad Request', parsed.error);
  return parsed;
}

async function appendChunk(state: TableauSandboxState, req: Request, session: Session): Promise<Reply> {
  const id = String(req.params.uploadId);
  const u = state.uploads.get(id);
  if (!u || u.siteId !== session.siteId || u.committed) return notFound('404003', 'Resource Not Found', `Upload session '${id}' could not be found.`);
  const body = multipart(req);
  if ('status' in body) return body;
  const names = body.parts.map((p) => p.name);
  if (names.length !== 2 || names[0] !== 'request_payload' || names[1] !== 'tableau_file') {
    return badRequest(`An upload chunk is multipart/mixed with exactly the parts request_payload (empty) and tableau_file, in that order (got ${names.join(', ')}).`);
  }
  if (body.parts[0]!.data.length !== 0) return badRequest('request_payload must be empty in a file upload chunk.');
  const chunk = body.parts[1]!.data;
  await appendFile(u.file, chunk);
  u.bytes += chunk.length;
  u.chunks++;
  state.stats.uploadChunks++;
  // fileSize is reported in whole megabytes so far, as Tableau does.
  return { status: 200, body: { fileUpload: { uploadSessionId: u.id, fileSize: String(Math.floor(u.bytes / (1024 * 1024))) } } };
}

function parsePublishPayload(xml: string): { name: string; projectId: string } | Reply {
  const ds = xmlTag(xml, 'datasource');
  const project = xmlTag(xml, 'project');
  const name = ds ? xmlAttr(ds, 'name') : undefined;
  const projectId = project ? xmlAttr(project, 'id') : undefined;
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<tsRequest[\s>]/.test(xml) || !name || !projectId) {
    return badRequest('request_payload must be <tsRequest><datasource name="…"><project id="…"/></datasource></tsRequest>.');
  }
  return { name: unescapeXml(name), projectId };
}

async function publish(state: TableauSandboxState, hyper: HyperProcess, req: Request, session: Session, timers: Set<NodeJS.Timeout>): Promise<Reply> {
  const q = req.query as Record<string, string | undefined>;
  if (q.datasourceType === undefined) return badRequest('datasourceType is required.');
  if (q.datasourceType !== 'hyper') return badRequest(`The sandbox publishes datasourceType=hyper only (got '${q.datasourceType}').`);
  if (q.append === 'true') return badRequest('The sandbox does not implement append=true; use overwrite=true.');
  const body = multipart(req);
  if ('status' in body) return body;
  const names = body.parts.map((p) => p.name);
  const uploadId = q.uploadSessionId;
  const expected = uploadId !== undefined ? ['request_payload'] : ['request_payload', 'tableau_datasource'];
  if (names.join(',') !== expected.join(',')) {
    return badRequest(`Publish ${uploadId !== undefined ? 'with uploadSessionId takes only the request_payload part' : 'in one request takes the parts request_payload and tableau_datasource'} (got ${names.join(', ')}).`);
  }
  const payload = parsePublishPayload(body.parts[0]!.data.toString('utf8'));
  if ('status' in payload) return payload;
  const project = state.projects.get(payload.projectId);
  if (!project || project.siteId !== session.siteId) return notFound('404005', 'Resource Not Found', `Project '${payload.projectId}' could not be found.`);

  let upload: ReturnType<typeof state.uploads.get>;
  if (uploadId !== undefined) {
    upload = state.uploads.get(uploadId);
    if (!upload || upload.siteId !== session.siteId || upload.committed) return notFound('404003', 'Resource Not Found', `Upload session '${uploadId}' could not be found.`);
    if (upload.bytes === 0) return badRequest('The upload session holds no data.');
  } else {
    const filename = body.parts[1]!.filename ?? '';
    if (!filename.endsWith('.hyper')) return badRequest(`tableau_datasource needs a filename ending in .hyper (got '${filename}').`);
  }
  const existing = state.datasourceByName(session.siteId, payload.name, project.id);
  if (existing && q.overwrite !== 'true') return tsError(409, '409004', 'Resource Conflict', `A data source named '${payload.name}' already exists in project '${project.name}'; publish with overwrite=true.`);

  const staged = join(state.dataDir, `staged-${randomUUID()}.hyper`);
  if (upload) await copyFile(upload.file, staged);
  else await writeFile(staged, body.parts[1]!.data);
  try {
    await listHyperTables(staged, { hyper });
  } catch (err) {
    await rm(staged, { force: true });
    return badRequest(`The file is not a valid .hyper file: ${(err as Error).message}`);
  }
  if (upload) upload.committed = true;
  const now = state.now();
  const ds: DataSource = existing ?? {
    id: randomUUID(),
    siteId: session.siteId,
    projectId: project.id,
    ownerId: session.userId,
    name: payload.name,
    contentUrl: payload.name.replace(/[^A-Za-z0-9]/g, ''),
    file: '',
    createdAtMs: now,
    updatedAtMs: now,
  };
  await state.withLock(ds.id, async () => {
    ds.file = join(state.dataDir, `ds-${ds.id}.hyper`);
    await rename(staged, ds.file);
    ds.updatedAtMs = now;
    state.datasources.set(ds.id, ds);
  });
  state.stats.publishes++;
  if (q.asJob === 'true') {
    const job = state.newJob(session.siteId, 'PublishDatasource', ds.id);
    schedule(state, timers, () => state.finishJob(job, 0));
    return { status: 202, body: { job: jobJson(state, job) } };
  }
  return { status: 201, body: { datasource: datasourceJson(state, ds) } };
}

// ── Update Data ───────────────────────────────────────────────────────────

async function updateData(state: TableauSandboxState, hyper: HyperProcess, req: Request, session: Session, timers: Set<NodeJS.Timeout>): Promise<Reply> {
  const ds = findDatasource(state, session, String(req.params.dsId));
  if ('status' in ds) return ds;
  const requestId = req.get('requestid');
  if (!requestId) return badRequest('The RequestID header is required for Update Data.');
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return tsError(415, '415000', 'Unsupported Media Type', `Update Data takes application/json (got '${type || 'none'}').`);
  state.stats.patches++;
  const seen = state.requestIds.get(requestId);
  if (seen) {
    // Idempotent: the same RequestID is run once; a resend gets the job it started.
    seen.received++;
    return { status: 202, body: { job: jobJson(state, state.jobs.get(seen.jobId)!) } };
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  } catch {
    return badRequest('The Update Data body is not valid JSON.');
  }
  const parsed = parseActions(body);
  if ('error' in parsed) return badRequest(parsed.error);
  const uploadId = (req.query as Record<string, string | undefined>).uploadSessionId;
  const needsPayload = parsed.actions.some((a) => a['source-table'] !== undefined);
  if (needsPayload && uploadId === undefined) return badRequest('These actions read a source table: uploadSessionId is required.');
  const upload = uploadId !== undefined ? state.uploads.get(uploadId) : undefined;
  if (uploadId !== undefined && (!upload || upload.siteId !== session.siteId || upload.committed)) {
    return notFound('404003', 'Resource Not Found', `Upload session '${uploadId}' could not be found.`);
  }
  if (upload) upload.committed = true;
  const job = state.newJob(session.siteId, 'UpdateUploadedFile', ds.id, requestId);
  const record = { jobId: job.id, received: 1, applied: 0 };
  state.requestIds.set(requestId, record);
  const actions = parsed.actions;
  schedule(state, timers, () =>
    state.withLock(ds.id, async () => {
      if (job.completedAtMs !== undefined) return; // cancelled while queued
      job.startedAtMs = state.now();
      job.progress = 50;
      const failing = state.failingJobs.shift();
      if (failing) return state.finishJob(job, 1, [failing.notes]);
      let payloadFile: string | undefined;
      try {
        if (upload) {
          // hyperd wants the .hyper suffix on a file it attaches.
          payloadFile = `${upload.file}.hyper`;
          await copyFile(upload.file, payloadFile);
        }
        const results = await applyActions(hyper, ds.file, payloadFile, actions);
        record.applied++;
        job.results = results;
        ds.updatedAtMs = state.now();
        state.finishJob(job, 0);
      } catch (err) {
        state.finishJob(job, 1, [`Update Data failed; no changes were made: ${(err as Error).message}`]);
      } finally {
        if (payloadFile) await rm(payloadFile, { force: true });
      }
    }),
  );
  return { status: 202, body: { job: jobJson(state, job) } };
}

function schedule(state: TableauSandboxState, timers: Set<NodeJS.Timeout>, run: () => unknown): void {
  const t = setTimeout(() => {
    timers.delete(t);
    void Promise.resolve().then(run).catch(() => undefined);
  }, state.jobDurationMs);
  timers.add(t);
}

export function jobJson(state: TableauSandboxState, job: Job): Record<string, unknown> {
  const ds = state.datasources.get(job.datasourceId);
  const done = job.completedAtMs !== undefined;
  return {
    id: job.id,
    mode: 'Asynchronous',
    type: job.type,
    progress: String(job.progress),
    createdAt: iso(job.createdAtMs),
    ...(job.startedAtMs !== undefined ? { startedAt: iso(job.startedAtMs) } : {}),
    ...(done ? { completedAt: iso(job.completedAtMs!) } : {}),
    // As in Tableau's own fixtures, a running job already shows a finishCode (1): it is final only with completedAt.
    finishCode: String(done ? job.finishCode : 1),
    ...(job.notes.length ? { notes: job.notes } : {}),
    ...(job.type === 'UpdateUploadedFile' ? { updateUploadedFileJob: { datasource: { id: job.datasourceId, name: ds?.name ?? '' }, connectionLuid: job.datasourceId } } : {}),
    ...(job.type === 'PublishDatasource' ? { datasource: { id: job.datasourceId, name: ds?.name ?? '' } } : {}),
  };
}
