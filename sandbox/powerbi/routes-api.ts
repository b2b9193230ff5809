/**
 * The push-dataset part of https://api.powerbi.com/v1.0/myorg (destinations.md B3–B5), mounted at
 * `/v1.0/myorg`. Only `/groups/{groupId}/…` routes exist for a service principal, which has no My workspace.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { parseDatasetDefinition, parseTableDefinition } from './definition';
import { badRequest, itemNotFound, notAuthorized, pbiError, tokenExpired, type Reply } from './errors';
import { retryAfterSec } from './limits';
import { faultReply, send } from './reply';
import { checkRowsPayload } from './row-check';
import { replaceColumns, type PbiDataset, type PbiTable, type PowerBiSandboxState, type Retention, type ServicePrincipal } from './state';

interface ApiContext {
  groupId: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** `http://host:port/v1.0/myorg`, for @odata.context links. */
  apiBase: string;
  sp: ServicePrincipal;
}

type Handler = (state: PowerBiSandboxState, ctx: ApiContext) => Reply | Promise<Reply>;

export function apiRoutes(state: PowerBiSandboxState): Router {
  const r = Router();
  r.use((_req: Request, res: Response, next: NextFunction) => {
    // Every real reply carries one; it is what Microsoft support asks for, so clients should log it.
    res.setHeader('RequestId', randomUUID());
    next();
  });
  // The real request-size cap is undocumented; this is far above 10,000 rows of realistic width.
  r.use(express.json({ limit: '64mb' }));

  const route = (op: string, handler: Handler, isPostRows = false) => async (req: Request, res: Response) => {
    state.countRequest(op);
    const who = authenticate(state, req.headers.authorization);
    if ('status' in who) return send(res, who);
    const groupId = String(req.params.groupId).toLowerCase();
    if (!who.workspaces.has(groupId)) return send(res, notAuthorized());
    if (isPostRows) state.stats.postRowsRequests++;
    const fault = isPostRows ? state.takeFault(['rows', 'api'], String(req.params.tableName)) : state.takeFault(['api']);
    const reply = fault
      ? faultReply(fault, 'api', state.now())
      : await handler(state, {
          groupId,
          params: req.params as Record<string, string>,
          query: req.query as Record<string, unknown>,
          body: req.body,
          apiBase: `${req.protocol}://${req.get('host')}${req.baseUrl}`,
          sp: who,
        });
    if (isPostRows && reply.status === 429) state.stats.postRowsRejected429++;
    if (isPostRows && reply.status === 400) state.stats.postRowsRejected400++;
    send(res, reply);
  };

  r.get('/groups/:groupId/datasets', route('datasets.list', listDatasets));
  r.post('/groups/:groupId/datasets', route('datasets.create', createDataset));
  r.delete('/groups/:groupId/datasets/:datasetId', route('datasets.delete', deleteDataset));
  r.get('/groups/:groupId/datasets/:datasetId/tables', route('tables.list', listTables));
  r.put('/groups/:groupId/datasets/:datasetId/tables/:tableName', route('tables.put', putTable));
  r.post('/groups/:groupId/datasets/:datasetId/tables/:tableName/rows', route('rows.post', postRows, true));
  r.delete('/groups/:groupId/datasets/:datasetId/tables/:tableName/rows', route('rows.delete', deleteRows));

  // My-workspace routes: a service principal has no My workspace (B2). That the real answer is exactly
  // 401 PowerBINotAuthorizedException is unverified; what matters is that it fails loudly.
  r.use('/datasets', (req: Request, res: Response) => {
    state.countRequest('myworkspace');
    const who = authenticate(state, req.headers.authorization);
    send(res, 'status' in who ? who : notAuthorized());
  });

  r.use((req: Request, res: Response) => send(res, pbiError(404, 'NotFound', `No sandbox route for ${req.method} ${req.baseUrl}${req.path}`)));
  r.use((err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') return send(res, badRequest([{ message: 'The request body is not valid JSON.', target: 'body' }]));
    if (err.type === 'entity.too.large') return send(res, pbiError(413, 'RequestEntityTooLarge', 'Request entity too large'));
    send(res, pbiError(err.status && err.status >= 400 ? err.status : 500, 'InternalServerError', err.message ?? 'internal error'));
  });
  return r;
}

function authenticate(state: PowerBiSandboxState, header: string | undefined): ServicePrincipal | Reply {
  const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const issued = token ? state.tokens.get(token) : undefined;
  const sp = issued ? state.servicePrincipal(issued.tenantId, issued.clientId) : undefined;
  if (!issued || !sp) {
    state.stats.unauthorizedRequests++;
    return notAuthorized();
  }
  if (issued.expiresAtMs <= state.now()) {
    state.stats.unauthorizedRequests++;
    return tokenExpired();
  }
  return sp;
}

// ── datasets ──────────────────────────────────────────────────────────────

function listDatasets(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const value = [...state.datasetMap.values()]
    .filter((d) => d.groupId === ctx.groupId)
    .map((d) => ({
      id: d.id,
      name: d.name,
      webUrl: `https://app.powerbi.com/groups/${d.groupId}/datasets/${d.id}`,
      addRowsAPIEnabled: true,
      configuredBy: d.configuredBy,
      isRefreshable: false,
      isEffectiveIdentityRequired: false,
      isEffectiveIdentityRolesRequired: false,
      isOnPremGatewayRequired: false,
      createdDate: new Date(d.createdAt).toISOString(),
      defaultRetentionPolicy: d.retention,
    }));
  return { status: 200, body: { '@odata.context': `${ctx.apiBase}/groups/${ctx.groupId}/$metadata#datasets`, value } };
}

function createDataset(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const retention = parseRetention(ctx.query.defaultRetentionPolicy);
  if (!retention) {
    return badRequest([{ message: `'${String(ctx.query.defaultRetentionPolicy)}' is not a valid defaultRetentionPolicy; use None or basicFIFO.`, target: 'defaultRetentionPolicy' }]);
  }
  const parsed = parseDatasetDefinition(ctx.body, state.limits);
  if ('details' in parsed) return badRequest(parsed.details);
  // No uniqueness check: the real service happily creates a second model with the same name (B7-2).
  const ds = state.createDataset({
    groupId: ctx.groupId,
    name: parsed.ok.name,
    defaultMode: parsed.ok.defaultMode,
    retention,
    configuredBy: ctx.sp.clientId,
    tables: parsed.ok.tables,
    relationships: parsed.ok.relationships,
  });
  return {
    status: 201,
    body: { '@odata.context': `${ctx.apiBase}/groups/${ctx.groupId}/$metadata#datasets/$entity`, id: ds.id, name: ds.name, defaultRetentionPolicy: ds.retention },
  };
}

function parseRetention(raw: unknown): Retention | undefined {
  if (raw === undefined) return 'None';
  if (typeof raw !== 'string') return undefined;
  const lower = raw.toLowerCase();
  return lower === 'none' ? 'None' : lower === 'basicfifo' ? 'basicFIFO' : undefined;
}

function deleteDataset(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const found = findDataset(state, ctx);
  if ('status' in found) return found;
  state.datasetMap.delete(found.id);
  return { status: 200 };
}

// ── tables ────────────────────────────────────────────────────────────────

function listTables(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const found = findDataset(state, ctx);
  if ('status' in found) return found;
  // Whether the real reply includes columns is unverified; clients must cope with names only.
  const value = [...found.tables.values()].map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ ...c })) }));
  return { status: 200, body: { '@odata.context': `${ctx.apiBase}/groups/${ctx.groupId}/$metadata#tables`, value } };
}

function putTable(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const found = findTable(state, ctx);
  if ('status' in found) return found;
  const parsed = parseTableDefinition(ctx.body, state.limits);
  if ('details' in parsed) return badRequest(parsed.details);
  // Renaming through PutTable is undocumented; refusing it keeps clients honest.
  if (parsed.ok.name !== found.table.name) {
    return badRequest([{ message: `The table name in the body ('${parsed.ok.name}') must match the URL ('${found.table.name}').`, target: 'table' }]);
  }
  replaceColumns(found.table, parsed.ok.columns, parsed.ok.measures);
  return { status: 200, body: { name: found.table.name } };
}

// ── rows ──────────────────────────────────────────────────────────────────

async function postRows(state: PowerBiSandboxState, ctx: ApiContext): Promise<Reply> {
  const found = findTable(state, ctx);
  if ('status' in found) return found;
  const { ds, table } = found;
  const limits = state.limits;
  const now = state.now();

  if (state.enforceLimits) {
    if (ds.pending >= limits.pendingPerDataset) {
      return tooMany(retryAfterSec(state.rowsLatencyMs), `More than ${limits.pendingPerDataset} POST rows requests pending for dataset ${ds.id}.`);
    }
    const large = table.rows.length >= limits.largeTableRows;
    const waitMs = large
      ? ds.postsLastHour.msUntilRoom(now, limits.postsPerHourLargeTable)
      : ds.postsLastMinute.msUntilRoom(now, limits.postsPerMinutePerDataset);
    if (waitMs > 0) {
      const rule = large
        ? `${limits.postsPerHourLargeTable} POST rows requests per hour (table '${table.name}' has ${limits.largeTableRows}+ rows)`
        : `${limits.postsPerMinutePerDataset} POST rows requests per minute`;
      return tooMany(retryAfterSec(waitMs), `Dataset ${ds.id} exceeded ${rule}.`);
    }
  }
  // A request that got past the throttle used up quota even if its payload is then refused.
  ds.postsLastMinute.add(now);
  ds.postsLastHour.add(now);

  const checked = checkRowsPayload(ctx.body, table, limits);
  if ('details' in checked) return badRequest(checked.details);
  const rows = checked.rows;
  if (state.enforceLimits) {
    const waitMs = ds.rowsLastHour.msUntilRoom(now, limits.rowsPerHourPerDataset, rows.length);
    if (waitMs > 0) {
      return tooMany(retryAfterSec(Math.min(waitMs, 3_600_000)), `Dataset ${ds.id} exceeded ${limits.rowsPerHourPerDataset} rows per hour.`);
    }
  }
  if (ds.retention === 'None' && table.rows.length + table.pendingRows + rows.length > limits.noneRows) {
    return badRequest([{ message: `Table '${table.name}' would exceed ${limits.noneRows} rows, the limit for retention policy None.`, target: 'rows' }]);
  }
  ds.rowsLastHour.add(now, rows.length);

  ds.pending++;
  table.pendingRows += rows.length;
  state.stats.maxPendingSeen = Math.max(state.stats.maxPendingSeen, ds.pending);
  try {
    if (state.rowsLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.rowsLatencyMs));
  } finally {
    ds.pending--;
    table.pendingRows -= rows.length;
  }
  state.appendRows(ds, table, rows);
  return { status: 200 };
}

function deleteRows(state: PowerBiSandboxState, ctx: ApiContext): Reply {
  const found = findTable(state, ctx);
  if ('status' in found) return found;
  // There is no filter: all rows go (B3, B6).
  found.table.rows = [];
  return { status: 200 };
}

// ── helpers ───────────────────────────────────────────────────────────────

function findDataset(state: PowerBiSandboxState, ctx: ApiContext): PbiDataset | Reply {
  const id = String(ctx.params.datasetId).toLowerCase();
  return state.dataset(ctx.groupId, id) ?? itemNotFound(`Dataset ${id} is not found! please verify datasetId is correct and user have sufficient permissions.`);
}

function findTable(state: PowerBiSandboxState, ctx: ApiContext): { ds: PbiDataset; table: PbiTable } | Reply {
  const ds = findDataset(state, ctx);
  if ('status' in ds) return ds;
  // Table names are matched exactly; whether the real service folds case is unverified.
  const table = ds.tables.get(String(ctx.params.tableName));
  return table ? { ds, table } : itemNotFound(`Table '${String(ctx.params.tableName)}' is not found in dataset ${ds.id}.`);
}

function tooMany(retryAfter: number, message: string): Reply {
  return pbiError(429, 'TooManyRequests', message, undefined, { 'retry-after': String(retryAfter) });
}
