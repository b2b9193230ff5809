/**
 * `/accounting/account/{accountId}/…` for every entity in the catalogue: list and get (what the connector
 * reads), plus create / update / delete so writers (BigCommerce → FreshBooks invoices) have something to
 * talk to. Updates follow §3.2's phases: a body with `ext_vis_state`, `vis_state` or `action_*` applies only
 * the first of those and silently drops every other field (§9.7).
 *
 * Writes as FreshBooks does them (§3.1): invoices are created as drafts; `action_mark_as_sent` moves a draft to
 * sent (idempotent); an invoice POST without `invoice_number` gets the previous number plus one and may answer
 * 409 when it overlaps another such create (numbering.ts). Lists take `search[<field>]` / `search[<field>_like]`
 * look-up filters (search.ts). Credit notes live at `credit_notes/credit_notes` (credit-notes.ts).
 */
import express, { type Request, type Response, Router } from 'express';
import { CORE_FRESHBOOKS_ENTITIES as ALL_FRESHBOOKS_ENTITIES, FRESHBOOKS_ENTITIES, type CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { CREDIT_NOTE_SPEC } from './credit-notes';
import { accountingErrorBody, SandboxError } from './errors';
import { passGate } from './gate';
import type { VisState } from './model';
import type { SandboxState } from './state';

type Json = Record<string, unknown>;

function sendError(res: Response, err: unknown): void {
  if (err instanceof SandboxError) {
    res.status(err.status).json(accountingErrorBody(err));
    return;
  }
  throw err;
}

function notFound(entity: FreshBooksEntity, id: string): SandboxError {
  const spec = FRESHBOOKS_ENTITIES[entity];
  const noun = spec.singleKey.replace(/_/g, ' ');
  // FreshBooks names the client id field "userid" in this error (PY fixture get_client_response__not_found).
  const field = entity === 'clients' ? 'userid' : spec.idField === 'id' ? `${spec.singleKey}id` : spec.idField;
  return new SandboxError(404, 1012, `${noun[0]!.toUpperCase()}${noun.slice(1)} not found.`, field, spec.singleKey, id);
}

function parseId(entity: FreshBooksEntity, raw: string): number {
  if (!/^\d+$/.test(raw)) throw notFound(entity, raw);
  return Number(raw);
}

function searchParams(req: Request): URLSearchParams {
  return new URL(req.originalUrl, 'http://sandbox').searchParams;
}

function wrapped(entity: FreshBooksEntity, req: Request): Json {
  const key = FRESHBOOKS_ENTITIES[entity].singleKey;
  const body = req.body as Json | undefined;
  const inner = body?.[key];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw new SandboxError(400, 1005, `Request body must be {"${key}": {…}}.`, key);
  }
  return inner as Json;
}

/** A PUT body → what FreshBooks actually does with it (§3.2 phases). */
function applyUpdate(state: SandboxState, accountId: string, entity: FreshBooksEntity, id: number, fields: Json): Json {
  if (fields.ext_vis_state !== undefined) return state.setVisState(accountId, entity, id, Number(fields.ext_vis_state) as VisState);
  if (fields.vis_state !== undefined) return state.setVisState(accountId, entity, id, Number(fields.vis_state) as VisState);
  const actions = Object.keys(fields).filter((k) => k.startsWith('action_') && fields[k]);
  if (actions.length > 0) {
    if (entity === 'invoices' && (actions.includes('action_mark_as_sent') || actions.includes('action_email'))) {
      const inv = state.store.raw(accountId, 'invoices', id);
      if (inv && inv.status === 1) return state.update(accountId, entity, id, { status: 2 });
    }
    return state.get(accountId, entity, id)!;
  }
  return state.update(accountId, entity, id, fields);
}

export function accountingRoutes(state: SandboxState): Router {
  const r = Router();
  const json = express.json({ limit: '2mb' });

  for (const entity of ALL_FRESHBOOKS_ENTITIES) {
    const spec = FRESHBOOKS_ENTITIES[entity];
    const base = `/accounting/account/:accountId/${spec.path}`;

    r.get(base, (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        const params = searchParams(req);
        state.listPageRequested({ accountId, entity, page: Math.max(1, Number(params.get('page')) || 1), params });
        const page = state.store.list(accountId, entity, params);
        res.json({ response: { result: { [spec.listKey]: page.items, page: page.page, pages: page.pages, per_page: page.per_page, total: page.total } } });
      } catch (err) {
        sendError(res, err);
      }
    });

    r.get(`${base}/:id`, (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        const id = parseId(entity, String(req.params.id));
        const params = searchParams(req);
        const includes = new Set([...params.getAll('include[]'), ...params.getAll('include')]);
        const rec = state.store.get(accountId, entity, id, includes);
        if (!rec) throw notFound(entity, String(id));
        res.json({ response: { result: { [spec.singleKey]: rec } } });
      } catch (err) {
        sendError(res, err);
      }
    });

    r.post(base, json, async (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        const fields = wrapped(entity, req);
        // Invoices without a number may collide with a concurrent create (409, §3.1 / numbering.ts).
        const rec = entity === 'invoices' ? await state.createInvoiceViaApi(accountId, fields) : state.create(accountId, entity, fields);
        res.json({ response: { result: { [spec.singleKey]: rec } } });
      } catch (err) {
        sendError(res, err);
      }
    });

    r.put(`${base}/:id`, json, (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        const id = parseId(entity, String(req.params.id));
        if (!state.store.raw(accountId, entity, id)) throw notFound(entity, String(id));
        const rec = applyUpdate(state, accountId, entity, id, wrapped(entity, req));
        res.json({ response: { result: { [spec.singleKey]: rec } } });
      } catch (err) {
        sendError(res, err);
      }
    });

    r.delete(`${base}/:id`, (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        const id = parseId(entity, String(req.params.id));
        if (!state.store.raw(accountId, entity, id)) throw notFound(entity, String(id));
        res.json({ response: { result: { [spec.singleKey]: state.delete(accountId, entity, id) } } });
      } catch (err) {
        sendError(res, err);
      }
    });
  }

  // Credit notes: kept outside the sandbox's core tables (the connector reads them as an opt-in entity); shape and envelope key per credit-notes.ts (mostly [unverified]).
  {
    const base = `/accounting/account/:accountId/${CREDIT_NOTE_SPEC.path}`;
    const key = CREDIT_NOTE_SPEC.singleKey;
    const cnNotFound = (id: string) => new SandboxError(404, 1012, 'Credit note not found.', 'creditid', 'credit_note', id);
    const cnId = (raw: string): number => {
      if (!/^\d+$/.test(raw)) throw cnNotFound(raw);
      return Number(raw);
    };
    const cnBody = (req: Request): Json => {
      const body = req.body as Json | undefined;
      const inner = CREDIT_NOTE_SPEC.bodyKeys.map((k) => body?.[k]).find((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
      if (!inner) throw new SandboxError(400, 1005, `Request body must be {"${key}": {…}}.`, key);
      return inner as Json;
    };
    const handler = (fn: (req: Request, accountId: string) => Json) => (req: Request, res: Response) => {
      const accountId = String(req.params.accountId);
      if (!passGate(state, req, res, 'accounting', accountId)) return;
      try {
        res.json({ response: { result: fn(req, accountId) } });
      } catch (err) {
        sendError(res, err);
      }
    };
    r.get(base, handler((req, accountId) => {
      const page = state.listCreditNotes(accountId, searchParams(req));
      return { [CREDIT_NOTE_SPEC.listKey]: page.items, page: page.page, pages: page.pages, per_page: page.per_page, total: page.total };
    }));
    r.get(`${base}/:id`, handler((req, accountId) => {
      const id = cnId(String(req.params.id));
      const params = searchParams(req);
      const lines = [...params.getAll('include[]'), ...params.getAll('include')].includes('lines');
      const rec = state.getCreditNote(accountId, id, lines);
      if (!rec) throw cnNotFound(String(id));
      return { [key]: rec };
    }));
    r.post(base, json, handler((req, accountId) => ({ [key]: state.createCreditNote(accountId, cnBody(req)) })));
    r.put(`${base}/:id`, json, handler((req, accountId) => ({ [key]: state.updateCreditNote(accountId, cnId(String(req.params.id)), cnBody(req)) })));
    r.delete(`${base}/:id`, handler((req, accountId) => ({ [key]: state.updateCreditNote(accountId, cnId(String(req.params.id)), { vis_state: 1 }) })));
  }

  // Anything else under /accounting: FreshBooks answers in its own error shape, not an HTML 404.
  r.use('/accounting', (req: Request, res: Response) => {
    res.status(404).json(accountingErrorBody({ errno: 1012, message: 'The requested resource was not found.', value: req.path }));
  });

  return r;
}
