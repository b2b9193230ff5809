/**
 * The ledger and time-tracking lists (ledger-store.ts) as FreshBooks serves them:
 *   GET /accounting/account/{accountId}/journal_entries/journal_entry_details[/{id}]
 *   GET /accounting/account/{accountId}/other_incomes/other_incomes[/{id}]       list and single key `other_income`
 *   GET /timetracking/business/{businessId}/time_entries[/{id}]                  single key `time_entry`
 *   GET /projects/business/{businessId}/projects · /project/{id}
 *   GET /comments/business/{businessId}/services · /service/{id}
 * Accounting replies are `{response:{result:{…}}}`; project-like ones `{<plural>, meta:{page, pages, per_page,
 * total}}` and errors `{"errno":2001,"error":{field: message}}` or, for a missing record, `{"error":"Requested
 * resource could not be found."}` (PY fixtures). Writes go through the control API (routes-control.ts).
 */
import { type Request, type Response, Router } from 'express';
import { accountingErrorBody, SandboxError } from './errors';
import { passGate } from './gate';
import type { LedgerEntity } from './ledger';
import type { SandboxState } from './state';

const ACCOUNTING: { entity: LedgerEntity; path: string; listKey: string; singleKey: string }[] = [
  { entity: 'journal_entry_details', path: 'journal_entries/journal_entry_details', listKey: 'journal_entry_details', singleKey: 'journal_entry_detail' },
  { entity: 'other_incomes', path: 'other_incomes/other_incomes', listKey: 'other_income', singleKey: 'other_income' },
];

const PROJECT_LIKE: { entity: LedgerEntity; service: string; path: string; singlePath: string; listKey: string; singleKey: string }[] = [
  { entity: 'time_entries', service: 'timetracking', path: 'time_entries', singlePath: 'time_entries', listKey: 'time_entries', singleKey: 'time_entry' },
  { entity: 'projects', service: 'projects', path: 'projects', singlePath: 'project', listKey: 'projects', singleKey: 'project' },
  { entity: 'services', service: 'comments', path: 'services', singlePath: 'service', listKey: 'services', singleKey: 'service' },
];

const params = (req: Request) => new URL(req.originalUrl, 'http://sandbox').searchParams;

function recordId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new SandboxError(404, 1012, 'Requested resource could not be found.', 'id', undefined, raw);
  return Number(raw);
}

export function ledgerRoutes(state: SandboxState): Router {
  const r = Router();

  for (const spec of ACCOUNTING) {
    const base = `/accounting/account/:accountId/${spec.path}`;
    const handle = (fn: (req: Request, accountId: string) => unknown) => (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        res.json({ response: { result: fn(req, accountId) } });
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        res.status(err.status).json(accountingErrorBody(err));
      }
    };
    r.get(base, handle((req, accountId) => {
      const p = params(req);
      state.listPageRequested({ accountId, entity: spec.entity, page: Math.max(1, Number(p.get('page')) || 1), params: p });
      const page = state.ledger.list(accountId, spec.entity, p);
      return { [spec.listKey]: page.items, page: page.page, pages: page.pages, per_page: page.per_page, total: page.total };
    }));
    r.get(`${base}/:id`, handle((req, accountId) => {
      const id = recordId(String(req.params.id));
      const rec = state.ledger.get(accountId, spec.entity, id);
      if (!rec) throw new SandboxError(404, 1012, `${spec.singleKey.replace(/_/g, ' ')} not found.`, 'id', spec.singleKey, String(id));
      return { [spec.singleKey]: rec };
    }));
  }

  for (const spec of PROJECT_LIKE) {
    const handle = (fn: (req: Request, accountId: string) => unknown) => (req: Request, res: Response) => {
      const businessId = Number(req.params.businessId);
      const business = state.accountingMemberships().find((m) => m.business.businessId === businessId)?.business;
      if (!passGate(state, req, res, 'accounting', business?.accountId)) return;
      if (!business) {
        res.status(403).json({ errno: 1003, error: 'You do not have access to this business.' });
        return;
      }
      try {
        res.json(fn(req, business.accountId));
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        res.status(err.status).json(err.status === 404 ? { error: 'Requested resource could not be found.' } : { errno: err.errno, error: { [err.field ?? 'request']: err.message } });
      }
    };
    r.get(`/${spec.service}/business/:businessId/${spec.path}`, handle((req, accountId) => {
      const p = params(req);
      state.listPageRequested({ accountId, entity: spec.entity, page: Math.max(1, Number(p.get('page')) || 1), params: p });
      const page = state.ledger.list(accountId, spec.entity, p);
      return { [spec.listKey]: page.items, meta: { page: page.page, pages: page.pages, per_page: page.per_page, total: page.total } };
    }));
    r.get(`/${spec.service}/business/:businessId/${spec.singlePath}/:id`, handle((req, accountId) => {
      const rec = state.ledger.get(accountId, spec.entity, recordId(String(req.params.id)));
      if (!rec) throw new SandboxError(404, 1012, 'Requested resource could not be found.', 'id');
      return { [spec.singleKey]: rec };
    }));
  }
  return r;
}
