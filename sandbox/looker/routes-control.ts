/** The sandbox's own routes (not Looker's): API keys, datagroups, the clock skew, faults, and the triggers it received. */
import express, { Router, type Request, type Response } from 'express';
import type { LookerFault, LookerSandboxState } from './state';

const ROUTES = ['login', 'logout', 'datagroups', 'patch', 'any'];
const STATUSES = [429, 500, 502, 503];

export function controlRoutes(state: LookerSandboxState): Router {
  const r = Router();
  r.use(express.json({ limit: '64kb' }));
  const bad = (res: Response, message: string) => res.status(400).json({ message });

  r.get('/_sandbox/triggers', (_req: Request, res: Response) => { res.json({ triggers: state.triggers }); });
  r.get('/_sandbox/stats', (_req: Request, res: Response) => { res.json(state.stats); });
  r.post('/_sandbox/api-keys', (req: Request, res: Response) => {
    const { clientId, clientSecret } = req.body ?? {};
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') return bad(res, 'clientId and clientSecret are strings');
    state.addApiKey(clientId, clientSecret);
    res.status(204).end();
  });
  r.post('/_sandbox/datagroups', (req: Request, res: Response) => {
    const { model, name } = req.body ?? {};
    if (typeof model !== 'string' || typeof name !== 'string') return bad(res, 'model and name are strings');
    res.json(state.addDatagroup(model, name));
  });
  r.put('/_sandbox/clock', (req: Request, res: Response) => {
    const { skewMs } = req.body ?? {};
    if (typeof skewMs !== 'number' || !Number.isFinite(skewMs)) return bad(res, 'skewMs is a number');
    state.skewMs = skewMs;
    res.json({ skewMs, lookerNow: new Date(state.lookerNowMs()).toISOString() });
  });
  r.post('/_sandbox/faults', (req: Request, res: Response) => {
    const f = req.body as Partial<LookerFault>;
    if (!ROUTES.includes(String(f.route)) || !STATUSES.includes(Number(f.status)) || !Number.isInteger(f.count)) {
      return bad(res, `route one of ${ROUTES.join(', ')}; status one of ${STATUSES.join(', ')}; count an integer`);
    }
    state.faults.add(f as LookerFault);
    res.status(204).end();
  });
  r.put('/_sandbox/outage', (req: Request, res: Response) => {
    const { durationMs } = req.body ?? {};
    if (typeof durationMs !== 'number' || durationMs < 0) return bad(res, 'durationMs is a number ≥ 0 (0 ends the outage)');
    state.outageUntilMs = durationMs === 0 ? 0 : state.receivedAt() + durationMs;
    res.status(204).end();
  });
  r.post('/_sandbox/expire-tokens', (_req: Request, res: Response) => { state.expireAllTokens(); res.status(204).end(); });
  r.post('/_sandbox/reset', (_req: Request, res: Response) => { state.reset(); res.status(204).end(); });
  return r;
}
