/**
 * Looker sandbox: the slice of Looker API 4.0 a warehouse loader uses to say "new data landed"
 * (destinations.md D1–D2, D4): form-body login with one-hour tokens and no refresh token, datagroups
 * list and trigger, logout; request bodies checked against the published OpenAPI schemas; 429 and
 * outages injectable; every accepted trigger recorded with when it arrived.
 *
 *   const sb = createLookerSandbox();
 *   sb.state.addApiKey('id', 'secret'); sb.state.addDatagroup('finance', 'freshbooks_etl');
 *   const { url, close } = await sb.listen();   // the client's baseUrl; the API is under `${url}/api/4.0`
 */
import express, { type Request, type Response } from 'express';
import { listenOnLoopback, type Listening } from '../kit/listen';
import { apiRoutes } from './routes-api';
import { controlRoutes } from './routes-control';
import { LookerSandboxState } from './state';

export { LookerSandboxState, type LookerDatagroup, type LookerFault, type RecordedTrigger } from './state';

export interface LookerSandboxOptions {
  /** Access token lifetime; Looker's is an hour. */
  tokenTtlSec?: number;
  /** The host clock in epoch ms (token expiry, arrival times); Looker's clock adds `state.skewMs`. */
  now?: () => number;
}

export interface LookerSandbox {
  app: express.Express;
  state: LookerSandboxState;
  listen(port?: number): Promise<Listening>;
}

export function createLookerSandbox(opts: LookerSandboxOptions = {}): LookerSandbox {
  const state = new LookerSandboxState(opts.now ?? Date.now, opts.tokenTtlSec ?? 3600);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/api/4.0', apiRoutes(state));
  app.use(controlRoutes(state));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ message: 'Not found', documentation_url: 'https://cloud.google.com/looker/docs/' });
  });
  return { app, state, listen: (port = 0) => listenOnLoopback(app, port) };
}
