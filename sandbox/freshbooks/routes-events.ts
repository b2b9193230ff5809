/**
 * `/events/account/{accountId}/events/callbacks` (reference/freshbooks.md §5). Errors use the events shape
 * `{"errno","message"[, "details"]}`.
 */
import express, { type Request, type Response, Router } from 'express';
import { eventsErrorBody } from './errors';
import { passGate } from './gate';
import type { SandboxState } from './state';
import { eventMatches, isKnownEvent } from './webhooks';

const NOT_FOUND = 'Requested resource could not be found.';
const UNPROCESSABLE = 'The request was well-formed but was unable to be followed due to semantic errors.';

function validUri(raw: unknown): boolean {
  if (typeof raw !== 'string') return false;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function eventsRoutes(state: SandboxState): Router {
  const r = Router();
  const json = express.json();
  const base = '/events/account/:accountId/events/callbacks';
  const hub = state.webhooks;

  const find = (req: Request) => {
    const rec = hub.callbacks.get(Number(req.params.id));
    return rec && rec.accountId === String(req.params.accountId) ? rec : undefined;
  };

  r.post(base, json, (req: Request, res: Response) => {
    const accountId = String(req.params.accountId);
    if (!passGate(state, req, res, 'events', accountId)) return;
    const cb = (req.body as { callback?: { event?: unknown; uri?: unknown } } | undefined)?.callback;
    const details: string[] = [];
    if (typeof cb?.event !== 'string' || !isKnownEvent(cb.event)) details.push('event: Value error, Unrecognized event.');
    if (!validUri(cb?.uri)) details.push('uri: Input should be a valid URL, relative URL without a base');
    if (details.length > 0) {
      res.status(422).json(eventsErrorBody(422, UNPROCESSABLE, details));
      return;
    }
    const rec = hub.register(accountId, cb!.event as string, cb!.uri as string);
    res.json({ response: { result: { callback: hub.publicView(rec) } } });
  });

  r.get(base, (req: Request, res: Response) => {
    const accountId = String(req.params.accountId);
    if (!passGate(state, req, res, 'events', accountId)) return;
    const params = new URL(req.originalUrl, 'http://sandbox').searchParams;
    const event = params.get('search[event]');
    const uri = params.get('search[uri]');
    const all = [...hub.callbacks.values()].filter(
      (c) => c.accountId === accountId && (event === null || eventMatches(event, c.event)) && (uri === null || c.uri === uri),
    );
    const perPage = Math.min(100, Math.max(1, Number(params.get('per_page')) || 15));
    const page = Math.max(1, Number(params.get('page')) || 1);
    const slice = all.slice((page - 1) * perPage, page * perPage).map((c) => hub.publicView(c));
    res.json({ response: { result: { callbacks: slice, page, pages: Math.ceil(all.length / perPage), per_page: perPage, total: all.length } } });
  });

  r.get(`${base}/:id`, (req: Request, res: Response) => {
    if (!passGate(state, req, res, 'events', String(req.params.accountId))) return;
    const rec = find(req);
    if (!rec) {
      res.status(404).json(eventsErrorBody(404, NOT_FOUND));
      return;
    }
    res.json({ response: { result: { callback: hub.publicView(rec) } } });
  });

  r.put(`${base}/:id`, json, (req: Request, res: Response) => {
    if (!passGate(state, req, res, 'events', String(req.params.accountId))) return;
    const rec = find(req);
    if (!rec) {
      res.status(404).json(eventsErrorBody(404, NOT_FOUND));
      return;
    }
    const body = (req.body as { callback?: Record<string, unknown> } | undefined)?.callback ?? {};
    if (hub.update(rec, body) === 'bad_verifier') {
      res.status(422).json(eventsErrorBody(422, UNPROCESSABLE, ['verifier: Value error, Invalid verifier.']));
      return;
    }
    res.json({ response: { result: { callback: hub.publicView(rec) } } });
  });

  r.delete(`${base}/:id`, (req: Request, res: Response) => {
    if (!passGate(state, req, res, 'events', String(req.params.accountId))) return;
    const rec = find(req);
    if (!rec) {
      res.status(404).json(eventsErrorBody(404, NOT_FOUND));
      return;
    }
    hub.callbacks.delete(rec.callbackid);
    res.status(204).end();
  });

  return r;
}
