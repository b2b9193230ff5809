import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFreshBooksSandbox, type SeedScale } from '../sandbox/freshbooks';
import { createGoogleSandbox, generateTestServiceAccountKey } from '../sandbox/google';
import { createBigCommerceSandbox } from '../sandbox/bigcommerce';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startPowerBiSandbox, startTableauSandbox, type Sandboxes } from '../scripts/local-service';

/**
 * The same sandboxes scripts/local-service.ts startSandboxes() gives (FreshBooks + Google), served
 * through a thin timing wrapper so the benchmark can say how much wall time each kind of request
 * spent inside the sandboxes (server side), per phase.
 */
export interface RequestTiming {
  count: number;
  totalMs: number;
  maxMs: number;
}

export class RequestTimings {
  readonly byOp = new Map<string, RequestTiming>();

  add(op: string, ms: number): void {
    const t = this.byOp.get(op) ?? { count: 0, totalMs: 0, maxMs: 0 };
    t.count += 1;
    t.totalMs += ms;
    t.maxMs = Math.max(t.maxMs, ms);
    this.byOp.set(op, t);
  }

  reset(): void {
    this.byOp.clear();
  }

  snapshot(): Record<string, RequestTiming> {
    return Object.fromEntries([...this.byOp.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs));
  }

  totalMs(): number {
    let sum = 0;
    for (const t of this.byOp.values()) sum += t.totalMs;
    return sum;
  }
}

export interface TimedSandboxes extends Sandboxes {
  fbTimings: RequestTimings;
  googleTimings: RequestTimings;
}

/** "GET invoices/invoices", "GET users/clients"… (account id and query dropped). */
function freshbooksOp(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!;
  const m = /^\/accounting\/account\/[^/]+\/(.+)$/.exec(path);
  if (m) return `${req.method} ${m[1]!.replace(/\/\d+$/, '/:id')}`;
  return `${req.method} ${path.replace(/\/[0-9a-f-]{8,}/gi, '/:id')}`;
}

/** jobs.insert(upload), jobs.get, tables.get… */
function googleOp(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!.replace(/^\/bigquery\/v2/, '');
  if (path === '/token') return 'oauth.token';
  if (path.startsWith('/upload/')) return 'jobs.insert(upload)';
  if (/\/jobs\/[^/]+$/.test(path)) return `jobs.get`;
  if (/\/insertAll$/.test(path)) return 'tabledata.insertAll';
  if (/\/tables\/[^/]+$/.test(path)) return req.method === 'GET' ? 'tables.get' : `tables.${req.method?.toLowerCase()}`;
  if (/\/tables$/.test(path)) return 'tables.insert';
  if (/\/datasets\/[^/]+$/.test(path)) return 'datasets.get';
  return `${req.method} ${path}`;
}

export function timed(app: RequestListener, timings: RequestTimings, opOf: (req: IncomingMessage) => string): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    res.once('finish', () => timings.add(opOf(req), performance.now() - started));
    app(req, res);
  };
}

export async function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startTimedSandboxes(opts: { scale: SeedScale; seed?: number }): Promise<TimedSandboxes> {
  const fb = createFreshBooksSandbox({ clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, scale: opts.scale, seed: opts.seed ?? 1 });
  const google = createGoogleSandbox();
  const sa = generateTestServiceAccountKey('ml-connector@ml-connector-dev.iam.gserviceaccount.com');
  google.state.registerServiceAccount(JSON.parse(sa.keyJson).client_email, sa.publicKeyPem);
  const fbTimings = new RequestTimings();
  const googleTimings = new RequestTimings();
  const fbServer = await listen(timed(fb.app as unknown as RequestListener, fbTimings, freshbooksOp));
  const googleServer = await listen(timed(google.app as unknown as RequestListener, googleTimings, googleOp));
  const pbi = await startPowerBiSandbox();
  const bc = createBigCommerceSandbox({ seedOrders: 0 });
  const bcServer = await bc.listen(0);
  const tab = await startTableauSandbox();
  return {
    ...pbi,
    tableau: tab.tableau,
    tableauUrl: tab.tableauUrl,
    bc,
    bcApiBase: bcServer.apiBase,
    fb,
    fbUrl: fbServer.url,
    google,
    googleUrl: googleServer.url,
    serviceAccountKeyJson: sa.keyJson,
    fbTimings,
    googleTimings,
    async close() {
      await Promise.all([closeServer(fbServer.server), closeServer(googleServer.server), pbi.close(), bcServer.close(), tab.close()]);
    },
  };
}
