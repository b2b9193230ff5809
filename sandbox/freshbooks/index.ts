/**
 * FreshBooks API simulator. One server plays both https://auth.freshbooks.com and
 * https://api.freshbooks.com, so production code can point both base URLs at it.
 *
 *   const sb = createFreshBooksSandbox({ seed: 7 });
 *   const { url, close } = await sb.listen();          // ephemeral port on 127.0.0.1
 *   sb.state.injectFaults({ rateLimit: { count: 3, retryAfterSec: 1 } });
 *   sb.state.injectInvoiceNumberConflicts(1);          // next numberless invoice POST → 409
 *
 * See routes-control.ts for the `/_sandbox/` control API and state.ts for the same operations as methods.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { accountingErrorBody } from './errors';
import { recordRequests } from './gate';
import { accountingRoutes } from './routes-accounting';
import { ledgerRoutes } from './routes-ledger';
import { authRoutes } from './routes-auth';
import { controlRoutes } from './routes-control';
import { eventsRoutes } from './routes-events';
import { SandboxState, type FreshBooksSandboxOptions } from './state';
import { listenOnLoopback } from '../kit/listen';

export { SandboxState, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type FreshBooksSandboxOptions, type SandboxStatsSnapshot } from './state';
export type { SeedScale, SeedCounts } from './seed';
export type { FaultPlan } from './faults';
export type { AccountTotals, EntityTotals } from './totals';
export type { TokenReply } from './tokens';
export { SANDBOX_MEMBERSHIPS, SANDBOX_USER } from './identity';
export { sign as signWebhook, signatureMessage as webhookSignatureMessage } from './webhooks';

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

export interface FreshBooksSandbox {
  app: Express;
  state: SandboxState;
  listen(port?: number): Promise<RunningSandbox>;
}

export function createFreshBooksSandbox(opts: FreshBooksSandboxOptions = {}): FreshBooksSandbox {
  const state = new SandboxState(opts);
  const app = express();
  app.disable('x-powered-by');
  // Conditional GETs would let a client "succeed" with a 304 and no body; FreshBooks' API does not do that.
  app.set('etag', false);

  app.use(recordRequests(state));
  app.use(controlRoutes(state));
  app.use(authRoutes(state));
  app.use(ledgerRoutes(state));
  app.use(accountingRoutes(state));
  app.use(eventsRoutes(state));

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', error_description: `No sandbox route for ${req.method} ${req.path}` });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json(accountingErrorBody({ errno: 1005, message: 'Could not parse the request body.' }));
      return;
    }
    res.status(e.status && e.status >= 400 ? e.status : 500).json(accountingErrorBody({ errno: 500, message: e.message ?? 'Internal error' }));
  });

  return {
    app,
    state,
    async listen(port = 0): Promise<RunningSandbox> {
      const { url, close } = await listenOnLoopback(app, port);
      return { url, close };
    },
  };
}
