/**
 * Power BI sandbox: the Azure AD client-credentials token endpoint plus the push-dataset REST API, in
 * memory, with the published limits enforced and fault injection. One server plays both
 * https://login.microsoftonline.com and https://api.powerbi.com.
 *
 *   const sb = createPowerBiSandbox({ rowsLatencyMs: 20 });
 *   sb.state.registerServicePrincipal({ tenantId, clientId, clientSecret, workspaces: [groupId] });
 *   const { authorityUrl, apiBase, close } = await sb.listen();
 *   // PowerBiTokenProvider({ authorityUrl, tenantId, clientId, clientSecret }); PowerBiClient({ apiBase, groupId, tokens })
 */
import express, { type Request, type Response } from 'express';
import type { PowerBiLimits } from './limits';
import { apiRoutes } from './routes-api';
import { tokenRoutes } from './routes-token';
import { PowerBiSandboxState, type RowsPostedEvent } from './state';
import { listenOnLoopback } from '../kit/listen';

export {
  PowerBiSandboxState,
  type FaultSpec,
  type FaultScope,
  type PowerBiSandboxStats,
  type RowsPostedEvent,
  type DatasetSummary,
  type PbiColumn,
  type Retention,
} from './state';
export { DEFAULT_LIMITS, type PowerBiLimits } from './limits';
export { POWER_BI_SCOPE } from './routes-token';

export interface PowerBiSandboxOptions {
  /** Lifetime of issued access tokens (Azure AD: about an hour, 3599 s). */
  tokenTtlSec?: number;
  /** Clock in epoch ms for token expiry and the rate-limit windows; real timers still drive rowsLatencyMs. */
  now?: () => number;
  /** How long an admitted POST rows request stays pending before it is answered, so the pending cap is observable. */
  rowsLatencyMs?: number;
  limits?: Partial<PowerBiLimits>;
  /** false turns off the throttles (pending, per-minute, per-hour); payload and retention rules always apply. */
  enforceLimits?: boolean;
  onRowsPosted?: (e: RowsPostedEvent) => void;
}

export interface RunningPowerBiSandbox {
  url: string;
  /** The token URL is `${authorityUrl}/${tenantId}/oauth2/v2.0/token`, as under https://login.microsoftonline.com. */
  authorityUrl: string;
  /** Mirrors https://api.powerbi.com/v1.0/myorg. */
  apiBase: string;
  port: number;
  close(): Promise<void>;
}

export interface PowerBiSandbox {
  app: express.Express;
  state: PowerBiSandboxState;
  listen(port?: number): Promise<RunningPowerBiSandbox>;
}

export function createPowerBiSandbox(opts: PowerBiSandboxOptions = {}): PowerBiSandbox {
  const state = new PowerBiSandboxState(
    opts.now ?? Date.now,
    opts.tokenTtlSec ?? 3599,
    opts.rowsLatencyMs ?? 0,
    opts.limits ?? {},
    opts.enforceLimits ?? true,
  );
  if (opts.onRowsPosted) state.onRowsPosted = opts.onRowsPosted;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/v1.0/myorg', apiRoutes(state));
  app.use(tokenRoutes(state));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NotFound', message: `No sandbox route for ${req.method} ${req.path}` } });
  });

  return {
    app,
    state,
    listen: async (port = 0) => {
      const { url, port: bound, close } = await listenOnLoopback(app, port);
      return { url, authorityUrl: url, apiBase: `${url}/v1.0/myorg`, port: bound, close };
    },
  };
}
