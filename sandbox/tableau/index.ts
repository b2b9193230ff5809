/**
 * Tableau sandbox: the REST API parts a Hyper publishing client uses (serverinfo, PAT sign-in with one session
 * per PAT, sites, projects, data sources, file uploads, publish, Update Data with RequestID idempotency, jobs),
 * with the published data sources kept as real .hyper files and Update Data applied to them by a real hyperd.
 *
 *   const sb = createTableauSandbox();                      // Default site ('') with a 'Default' project
 *   sb.state.addPat('fb-sync', 'secret');                   // PAT on the Default site
 *   const { url, close } = await sb.listen();               // REST base: `${url}/api/3.27`
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { HyperProcess } from '../../connectors/hyper';
import { listenOnLoopback } from '../kit/listen';
import { apiRoutes } from './routes-api';
import { controlRoutes } from './routes-control';
import { TableauSandboxState } from './state';

export {
  TableauSandboxState,
  type DataSource,
  type FaultScope,
  type FaultSpec,
  type Job,
  type Pat,
  type Project,
  type Site,
  type TableauSandboxStats,
} from './state';
export { buildMultipartMixed, parseMultipartMixed } from './multipart';
export { parseActions, type Action, type Condition } from './actions';

export interface TableauSandboxOptions {
  /** Newest REST API version the server claims (serverinfo), default 3.27; higher versions in paths get 404. */
  restApiVersion?: string;
  productVersion?: string;
  /** Clock for timestamps and session expiry (epoch ms); job timers are real. */
  now?: () => number;
  /** Session lifetime; default 240 min (Tableau Server's idle default). */
  sessionTtlMs?: number;
  /** How long an Update Data or asJob publish waits before it runs; default 0. */
  jobDurationMs?: number;
  /** Where .hyper files live; default a fresh temp directory removed on close. */
  dataDir?: string;
  /** The hyperd to use; default one of its own, stopped on close. */
  hyper?: HyperProcess;
}

export interface RunningTableauSandbox {
  /** `http://127.0.0.1:<port>`: plays the Tableau host (Server URL, or the Cloud pod host). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface TableauSandbox {
  app: express.Express;
  state: TableauSandboxState;
  hyper: HyperProcess;
  listen(port?: number): Promise<RunningTableauSandbox>;
}

export const DEFAULT_REST_API_VERSION = '3.27';

export function createTableauSandbox(opts: TableauSandboxOptions = {}): TableauSandbox {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tableau-sandbox-'));
  const hyper = opts.hyper ?? new HyperProcess();
  const state = new TableauSandboxState(
    opts.now ?? Date.now,
    dataDir,
    opts.restApiVersion ?? DEFAULT_REST_API_VERSION,
    opts.productVersion ?? '2025.3.0',
    opts.sessionTtlMs ?? 240 * 60_000,
    opts.jobDurationMs ?? 0,
  );
  const site = state.addSite('', 'Default');
  state.addProject(site.id, 'Default', 'The default project that was automatically created by Tableau.');
  const timers = new Set<NodeJS.Timeout>();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/_sandbox', controlRoutes(state, hyper));
  app.use('/api/:version', apiRoutes(state, hyper, timers));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: '404000', summary: 'Resource Not Found', detail: `No sandbox route for ${req.method} ${req.path}` } });
  });

  return {
    app,
    state,
    hyper,
    listen: async (port = 0) => {
      const server = await listenOnLoopback(app, port);
      return {
        url: server.url,
        port: server.port,
        close: async () => {
          for (const t of timers) clearTimeout(t);
          timers.clear();
          await server.close();
          if (!opts.hyper) await hyper.stop();
          if (ownDir) await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}
