/**
 * `/_sandbox/…`: what tests and the demo use to steer and read the simulator over HTTP (always JSON).
 *   GET  /_sandbox/stats                                  counters, sessions, RequestIDs (received/applied), jobs
 *   GET  /_sandbox/datasources[?name=]                    published data sources with their tables
 *   GET  /_sandbox/datasources/:id/tables                 [{schema,name}]
 *   GET  /_sandbox/datasources/:id/tables/:table[?schema=Extract&orderBy=a,b&columns=a,b]  {columns:[{name,sqlType}], rows:[…]}
 *   GET  /_sandbox/jobs/:id                               the job with per-action row counts
 *   POST /_sandbox/faults        FaultSpec | FaultSpec[]  DELETE /_sandbox/faults
 *   POST /_sandbox/jobs/fail-next {count, notes?}         POST /_sandbox/jobs/:id/cancel
 *   POST /_sandbox/pats {name, secret, site}              POST /_sandbox/pats/:name/revoke
 *   POST /_sandbox/projects {site, name}                  → {id, name, siteId}
 *   POST /_sandbox/clock {advanceMs}                      POST /_sandbox/config {jobDurationMs?, restApiVersion?, sessionTtlMs?}
 */
import express, { Router, type Request, type Response } from 'express';
import { describeHyperTable, listHyperTables, readHyperTable, type HyperProcess } from '../../connectors/hyper';
import { jobJson } from './routes-api';
import type { FaultSpec, TableauSandboxState } from './state';

export function controlRoutes(state: TableauSandboxState, hyper: HyperProcess): Router {
  const r = Router();
  r.use(express.json());
  const fail = (res: Response, status: number, message: string) => res.status(status).json({ error: message });

  r.get('/stats', (_req, res) => {
    res.json({ ...state.stats, sessions: state.sessions.size, datasources: state.datasources.size, requestIds: state.requestIdStats() });
  });

  r.get('/datasources', async (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : undefined;
    const list = [...state.datasources.values()].filter((d) => name === undefined || d.name === name);
    res.json(
      await Promise.all(
        list.map(async (d) => ({
          id: d.id,
          name: d.name,
          siteId: d.siteId,
          projectId: d.projectId,
          tables: await state.withLock(d.id, () => listHyperTables(d.file, { hyper })),
        })),
      ),
    );
  });

  r.get('/datasources/:id/tables', async (req, res) => {
    const ds = state.datasources.get(req.params.id);
    if (!ds) return fail(res, 404, `no data source ${req.params.id}`);
    res.json(await state.withLock(ds.id, () => listHyperTables(ds.file, { hyper })));
  });

  r.get('/datasources/:id/tables/:table', async (req: Request, res: Response) => {
    const ds = state.datasources.get(String(req.params.id));
    if (!ds) return fail(res, 404, `no data source ${String(req.params.id)}`);
    const schema = typeof req.query.schema === 'string' ? req.query.schema : 'Extract';
    const list = (name: string) => (typeof req.query[name] === 'string' && req.query[name] ? String(req.query[name]).split(',') : undefined);
    const orderBy = list('orderBy');
    const columns = list('columns');
    try {
      const out = await state.withLock(ds.id, async () => ({
        columns: (await describeHyperTable(ds.file, String(req.params.table), { hyper, schema })).filter((c) => !columns || columns.includes(c.name)),
        rows: await readHyperTable(ds.file, String(req.params.table), { hyper, schema, ...(orderBy ? { orderBy } : {}), ...(columns ? { columns } : {}) }),
      }));
      res.json(out);
    } catch (err) {
      fail(res, 404, (err as Error).message);
    }
  });

  r.get('/jobs/:id', (req, res) => {
    const job = state.jobs.get(req.params.id);
    if (!job) return fail(res, 404, `no job ${req.params.id}`);
    res.json({ ...jobJson(state, job), requestId: job.requestId, results: job.results ?? [] });
  });

  r.post('/faults', (req, res) => {
    const list = (Array.isArray(req.body) ? req.body : [req.body]) as FaultSpec[];
    for (const f of list) {
      if (!f || typeof f.status !== 'number' || typeof f.count !== 'number' || typeof f.scope !== 'string') return fail(res, 400, 'a fault is {scope, status, count, retryAfterSec?, phase?}');
    }
    state.addFaults(...list);
    res.status(204).end();
  });
  r.delete('/faults', (_req, res) => {
    state.faults.clear();
    state.failingJobs.length = 0;
    res.status(204).end();
  });

  r.post('/jobs/fail-next', (req, res) => {
    const count = Number(req.body?.count ?? 1);
    if (!Number.isInteger(count) || count < 1) return fail(res, 400, 'count must be a positive integer');
    state.failNextJobs(count, typeof req.body?.notes === 'string' ? req.body.notes : undefined);
    res.status(204).end();
  });
  r.post('/jobs/:id/cancel', (req, res) => {
    res.json({ cancelled: state.cancelJob(req.params.id) });
  });

  r.post('/pats', (req, res) => {
    const { name, secret, site } = req.body ?? {};
    if (typeof name !== 'string' || !name || typeof secret !== 'string' || !secret) return fail(res, 400, 'name and secret are required');
    const pat = state.addPat(name, secret, typeof site === 'string' ? site : '');
    res.status(201).json({ name: pat.name, siteId: pat.siteId, userId: pat.userId });
  });
  r.post('/pats/:name/revoke', (req, res) => {
    if (!state.pats.has(req.params.name)) return fail(res, 404, `no PAT ${req.params.name}`);
    state.revokePat(req.params.name);
    res.status(204).end();
  });

  r.post('/projects', (req, res) => {
    const { site, name } = req.body ?? {};
    const s = state.siteByContentUrl(typeof site === 'string' ? site : '');
    if (!s) return fail(res, 404, `no site with contentUrl ${String(site)}`);
    if (typeof name !== 'string' || !name) return fail(res, 400, 'name is required');
    const p = state.addProject(s.id, name);
    res.status(201).json({ id: p.id, name: p.name, siteId: p.siteId });
  });

  r.post('/clock', (req, res) => {
    const ms = Number(req.body?.advanceMs);
    if (!Number.isFinite(ms) || ms < 0) return fail(res, 400, 'advanceMs must be a non-negative number');
    state.advanceClock(ms);
    res.json({ now: new Date(state.now()).toISOString() });
  });
  r.post('/config', (req, res) => {
    const b = req.body ?? {};
    if (b.jobDurationMs !== undefined) {
      if (!Number.isFinite(b.jobDurationMs) || b.jobDurationMs < 0) return fail(res, 400, 'jobDurationMs must be a non-negative number');
      state.jobDurationMs = b.jobDurationMs;
    }
    if (b.sessionTtlMs !== undefined) {
      if (!Number.isFinite(b.sessionTtlMs) || b.sessionTtlMs <= 0) return fail(res, 400, 'sessionTtlMs must be a positive number');
      state.sessionTtlMs = b.sessionTtlMs;
    }
    if (b.restApiVersion !== undefined) {
      if (typeof b.restApiVersion !== 'string' || !/^\d+\.\d+$/.test(b.restApiVersion)) return fail(res, 400, 'restApiVersion must look like 3.27');
      state.restApiVersion = b.restApiVersion;
    }
    res.json({ jobDurationMs: state.jobDurationMs, sessionTtlMs: state.sessionTtlMs, restApiVersion: state.restApiVersion });
  });
  return r;
}
