/**
 * BigCommerce REST Management API simulator (reference/bigcommerce.md), for the BC → FreshBooks sync.
 * One server plays https://api.bigcommerce.com: store routes live under `${apiBase}/stores/{store_hash}/v2|v3/…`.
 *
 *   const sb = createBigCommerceSandbox({ seed: 7, now: () => clock });
 *   const { apiBase, close } = await sb.listen();
 *   fetch(`${apiBase}/stores/abc123/v2/orders?sort=date_modified:asc`, { headers: { 'X-Auth-Token': DEFAULT_TOKEN } });
 *   sb.state.setOrderStatus('abc123', 101, 11);   // fires store/order/updated + statusUpdated to matching hooks
 *
 * See state.ts for the state API and options, seed.ts for what a fresh store contains.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { MESSAGES, v3Error } from './errors';
import { send, storeGate, versionOf } from './gate';
import { v2Routes } from './routes-v2';
import { v3Routes } from './routes-v3';
import { BigCommerceSandboxState, type BigCommerceSandboxOptions } from './state';
import { listenOnLoopback } from '../kit/listen';

export {
  BigCommerceSandboxState,
  DEFAULT_STORE_HASH,
  DEFAULT_TOKEN,
  type BigCommerceSandboxOptions,
  type BigCommerceSandboxStats,
  type CustomerSpec,
  type FaultSpec,
  type ProductSpec,
  type RequestInfo,
  type StoreAccountOptions,
  type TransactionSpec,
} from './state';
export { ORDER_STATUSES, PAID_STATUSES } from './model';
export { RefundError, type OrderSpec, type OrderLineSpec, type PaymentPlan, type RefundSpec, type RefundItemSpec } from './orders';
export { BC_RETRY_DELAYS_MS, signStandardWebhook, type Delivery, type WebhookOptions } from './webhooks';

export interface RunningBigCommerceSandbox {
  url: string;
  /** Mirrors https://api.bigcommerce.com (store routes: `${apiBase}/stores/{hash}/v2/…`). */
  apiBase: string;
  port: number;
  close(): Promise<void>;
}

export interface BigCommerceSandbox {
  app: express.Express;
  state: BigCommerceSandboxState;
  listen(port?: number): Promise<RunningBigCommerceSandbox>;
}

export function createBigCommerceSandbox(opts: BigCommerceSandboxOptions = {}): BigCommerceSandbox {
  const state = new BigCommerceSandboxState(opts);
  const app = express();
  app.disable('x-powered-by');
  // No conditional GETs: a 304 with no body is not something the real API sends.
  app.set('etag', false);

  const stores = express.Router({ mergeParams: true });
  stores.use(storeGate(state), v2Routes(state), v3Routes(state));
  app.use('/stores/:storeHash', stores);
  app.use((req: Request, res: Response) => send(res, v3Error(404, `No sandbox route for ${req.method} ${req.path}`)));
  app.use((err: { type?: string; status?: number; message?: string }, req: Request, res: Response, _next: NextFunction) => {
    const version = versionOf(req.path.replace(/^\/stores\/[^/]+/, ''));
    const status = err.type === 'entity.parse.failed' ? 400 : err.status && err.status >= 400 ? err.status : 500;
    const message = err.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : (err.message ?? MESSAGES[500]!);
    send(res, version === 'v2' ? { status, body: [{ status, message }] } : v3Error(status, message));
  });

  return {
    app,
    state,
    async listen(port = 0): Promise<RunningBigCommerceSandbox> {
      const { url, port: bound, close } = await listenOnLoopback(app, port, { onClose: () => state.shutdown() });
      return { url, apiBase: url, port: bound, close };
    },
  };
}
