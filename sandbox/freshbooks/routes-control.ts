/**
 * `/_sandbox/…`: the control API tests and the demo use to change the world behind the FreshBooks API.
 * Not part of FreshBooks; no auth. Every route is a thin wrapper over a `SandboxState` method.
 *
 *   GET    /_sandbox                                  accounts, client id, clock, seeded counts
 *   GET    /_sandbox/clock · PUT {now, running?, advanceSec?}
 *   POST   /_sandbox/faults {rateLimit, status5xx, errorIn200, dropConnection, expireAccessTokens, rateLimitPerSec,
 *                            invoiceNumberConflicts, invoiceNumberRaceWindowMs}
 *   DELETE /_sandbox/faults
 *   GET    /_sandbox/stats[?log=1] · POST /_sandbox/stats/reset   (incl. writes, writesByEvent, invoiceNumberConflicts)
 *   GET    /_sandbox/totals?accountId=
 *   POST   /_sandbox/tokens                           a token pair without the OAuth dance
 *   POST   /_sandbox/accounts/:accountId/:entity      create (API-shaped fields)
 *   GET    /_sandbox/accounts/:accountId/:entity/:id  (deleted too, lines included)
 *   PUT|PATCH /_sandbox/accounts/:accountId/:entity/:id   update, stamps `updated` with the sandbox clock
 *   DELETE /_sandbox/accounts/:accountId/:entity/:id  soft delete (vis_state 1)
 *   POST   /_sandbox/accounts/:accountId/:entity/:id/{delete|archive|restore} [{keepUpdated: true}: `updated` unchanged]
 *   GET    /_sandbox/webhooks/deliveries
 *   GET    /_sandbox/ledger-totals?accountId=           ledger, credit notes, other income, time tracking
 * The record routes also take the ledger and time-tracking entities (`journal_entry_details` read only,
 * `other_incomes`, `services`, `projects`, `time_entries`) and `credit_notes`.
 */
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { SandboxError } from './errors';
import type { FaultPlan } from './faults';
import type { SandboxState } from './state';
import { resolveEntity } from './store';
import { LEDGER_ENTITIES, type LedgerEntity } from './ledger';

type Handler = (req: Request, res: Response) => unknown;

/** Turn thrown SandboxErrors (and bad input) into JSON replies instead of express's HTML page. */
function handle(fn: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      const out = fn(req, res);
      if (!res.headersSent) res.json(out ?? { ok: true });
    } catch (err) {
      if (err instanceof SandboxError) {
        res.status(err.status).json({ error: err.message, errno: err.errno, field: err.field ?? null });
      } else if (err instanceof RangeError || err instanceof TypeError) {
        res.status(400).json({ error: err.message });
      } else {
        next(err);
      }
    }
  };
}

function entityParam(req: Request): FreshBooksEntity {
  const e = resolveEntity(String(req.params.entity));
  if (!e) throw new SandboxError(404, 1012, `Unknown entity ${String(req.params.entity)}.`, 'entity');
  return e;
}

/** Entities outside the core catalogue, handled by their own stores. */
type OtherEntity = LedgerEntity | 'credit_notes';

function otherEntity(req: Request): OtherEntity | undefined {
  const name = String(req.params.entity);
  if (name === 'credit_notes') return name;
  return (LEDGER_ENTITIES as readonly string[]).includes(name) ? (name as LedgerEntity) : undefined;
}

function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id)) throw new SandboxError(404, 1012, 'id must be an integer.', 'id');
  return id;
}

function bodyObject(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

export function controlRoutes(state: SandboxState): Router {
  const r = Router();
  r.use('/_sandbox', express.json({ limit: '5mb' }));

  r.get('/_sandbox', handle(() => ({
    clientId: state.tokens.opts.clientId,
    clock: state.clock.now().toISOString(),
    user: { identityId: state.user.identityId, email: state.user.email },
    businesses: state.memberships.map((m) => ({ role: m.role, membershipId: m.membershipId, ...m.business })),
    accountIds: state.accountIds(),
    counts: state.counts,
  })));

  r.get('/_sandbox/clock', handle(() => ({ now: state.clock.now().toISOString() })));
  r.put('/_sandbox/clock', handle((req) => {
    const b = bodyObject(req);
    if (b.now !== undefined) {
      if (b.now !== null && typeof b.now !== 'string') throw new RangeError('now must be an ISO string or null');
      state.setClock(b.now as string | null, { running: b.running === true });
    }
    if (typeof b.advanceSec === 'number') state.advanceClock(b.advanceSec);
    return { now: state.clock.now().toISOString() };
  }));

  r.post('/_sandbox/faults', handle((req) => {
    state.injectFaults(bodyObject(req) as FaultPlan);
    return { ok: true };
  }));
  r.delete('/_sandbox/faults', handle(() => {
    state.clearFaults();
    return { ok: true };
  }));

  r.get('/_sandbox/stats', handle((req) => ({
    ...state.statsSnapshot(),
    ...(req.query.log ? { log: state.stats.log } : {}),
  })));
  r.post('/_sandbox/stats/reset', handle(() => {
    state.resetStats();
    return { ok: true };
  }));

  r.get('/_sandbox/totals', handle((req) => {
    const accountId = typeof req.query.accountId === 'string' ? req.query.accountId : undefined;
    if (accountId) return state.totals(accountId);
    return Object.fromEntries(state.accountIds().map((a) => [a, state.totals(a)]));
  }));

  r.post('/_sandbox/tokens', handle(() => state.issueTokens()));

  r.get('/_sandbox/webhooks/deliveries', handle(() => ({ deliveries: state.webhooks.deliveries })));

  r.get('/_sandbox/ledger-totals', handle((req) => {
    const accountId = typeof req.query.accountId === 'string' ? req.query.accountId : undefined;
    if (accountId) return state.ledgerTotals(accountId);
    return Object.fromEntries(state.accountIds().map((a) => [a, state.ledgerTotals(a)]));
  }));

  const rec = '/_sandbox/accounts/:accountId/:entity';
  r.post(rec, handle((req) => {
    const accountId = String(req.params.accountId);
    const other = otherEntity(req);
    if (other === 'credit_notes') return state.createCreditNote(accountId, bodyObject(req));
    if (other) return state.ledger.create(accountId, other, bodyObject(req));
    return state.create(accountId, entityParam(req), bodyObject(req));
  }));
  r.get(`${rec}/:id`, handle((req) => {
    const accountId = String(req.params.accountId);
    const other = otherEntity(req);
    const out = other === 'credit_notes' ? state.getCreditNote(accountId, idParam(req))
      : other ? state.ledger.get(accountId, other, idParam(req))
      : state.get(accountId, entityParam(req), idParam(req));
    if (!out) throw new SandboxError(404, 1012, 'Record not found.', 'id');
    return out;
  }));
  const update = handle((req) => {
    const accountId = String(req.params.accountId);
    const other = otherEntity(req);
    if (other === 'credit_notes') return state.updateCreditNote(accountId, idParam(req), bodyObject(req));
    if (other) return state.ledger.update(accountId, other, idParam(req), bodyObject(req));
    return state.update(accountId, entityParam(req), idParam(req), bodyObject(req));
  });
  r.put(`${rec}/:id`, update);
  r.patch(`${rec}/:id`, update);
  r.delete(`${rec}/:id`, handle((req) => {
    const accountId = String(req.params.accountId);
    const other = otherEntity(req);
    if (other === 'credit_notes') return state.updateCreditNote(accountId, idParam(req), { vis_state: 1 });
    if (other) return state.ledger.delete(accountId, other, idParam(req));
    return state.delete(String(req.params.accountId), entityParam(req), idParam(req));
  }));
  r.post(`${rec}/:id/:action`, handle((req) => {
    const [accountId, entity, id] = [String(req.params.accountId), entityParam(req), idParam(req)];
    const opts = { keepUpdated: bodyObject(req).keepUpdated === true };
    switch (req.params.action) {
      case 'delete':
        return state.delete(accountId, entity, id, opts);
      case 'archive':
        return state.archive(accountId, entity, id, opts);
      case 'purge':
        return state.purge(accountId, entity, id);
      case 'restore':
        return state.restore(accountId, entity, id, opts);
      default:
        throw new SandboxError(404, 1012, `Unknown action ${String(req.params.action)}.`, 'action');
    }
  }));

  return r;
}
