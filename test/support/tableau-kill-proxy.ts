/**
 * An HTTP proxy between a worker process and the Tableau sandbox that SIGKILLs the worker at a chosen
 * point of an Update Data batch, so crash tests land their kills inside one. Requests pass through
 * untouched until a kill is armed; then the first Update Data (`PATCH …/datasources/{id}/data`) decides:
 *  - 'uploaded':  the payload is uploaded and the PATCH is on its way: the worker dies before Tableau
 *                 sees it (the PATCH is dropped here);
 *  - 'patched':   the PATCH reached Tableau and its job was created: the worker dies before it learns
 *                 the job id, so neither the job's outcome nor the delivery ledger is recorded;
 *  - 'completed': the PATCH went through, and the worker dies on the first reply that shows the job
 *                 completed — the batch is applied in Tableau, the delivery ledger does not know it yet;
 *  - 'publish-dropped':  the first sync's whole-file publish is on its way: the worker dies before Tableau
 *                 sees it;
 *  - 'publish-accepted': Tableau took the publish (the data source exists), the worker dies before it
 *                 learns so, i.e. before the first sync is marked published.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TableauKillPhase = 'uploaded' | 'patched' | 'completed' | 'publish-dropped' | 'publish-accepted';

export interface TableauKill {
  phase: TableauKillPhase;
  /** The RequestID of the Update Data the kill landed in ('' for a publish). */
  requestId: string;
}

export interface TableauKillProxy {
  url: string;
  /** Arms one kill and resolves once the worker has been killed there. */
  killAt(phase: TableauKillPhase, timeoutMs?: number): Promise<TableauKill>;
  /** Every Update Data PATCH that reached the proxy, in order (its RequestID and path). */
  patches: { requestId: string; path: string }[];
  close(): Promise<void>;
}

const UPDATE_DATA = /\/datasources\/[^/?]+\/data(\?|$)/;
const JOB = /\/jobs\/([^/?]+)(\?|$)/;
const PUBLISH = /\/sites\/[^/]+\/datasources(\?|$)/;

export async function startTableauKillProxy(opts: { upstream: string; kill: () => void }): Promise<TableauKillProxy> {
  const upstream = new URL(opts.upstream);
  let armed: { phase: TableauKillPhase; resolve: (k: TableauKill) => void; jobId?: string; requestId?: string } | undefined;
  const patches: { requestId: string; path: string }[] = [];

  const killNow = (requestId: string) => {
    const a = armed!;
    armed = undefined;
    opts.kill();
    a.resolve({ phase: a.phase, requestId });
  };

  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '';
    const isPatch = req.method === 'PATCH' && UPDATE_DATA.test(path);
    const jobPoll = req.method === 'GET' ? JOB.exec(path)?.[1] : undefined;
    const requestId = String(req.headers.requestid ?? '');
    const isPublish = req.method === 'POST' && PUBLISH.test(path);
    if (isPatch) patches.push({ requestId, path });
    if (armed?.phase === 'publish-dropped' && isPublish) {
      killNow('');
      return res.destroy();
    }
    if (armed?.phase === 'uploaded' && isPatch) {
      killNow(requestId);
      return res.destroy();
    }
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (upRes) => {
      const out: Buffer[] = [];
      upRes.on('data', (c: Buffer) => out.push(c));
      upRes.on('end', () => {
        const reply = Buffer.concat(out);
        const ok = (upRes.statusCode ?? 0) < 300;
        if (armed?.phase === 'publish-accepted' && isPublish && ok) {
          killNow('');
          return res.destroy();
        }
        if (armed && isPatch && ok) {
          if (armed.phase === 'patched') {
            killNow(requestId);
            return res.destroy();
          }
          if (armed.phase === 'completed' && !armed.jobId) {
            armed.jobId = (JSON.parse(reply.toString('utf8')) as { job: { id: string } }).job.id;
            armed.requestId = requestId;
          }
        }
        if (armed?.phase === 'completed' && jobPoll && jobPoll === armed.jobId && ok) {
          const job = (JSON.parse(reply.toString('utf8')) as { job: { completedAt?: string } }).job;
          if (job.completedAt) {
            killNow(armed.requestId!);
            return res.destroy();
          }
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(reply);
      });
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    patches,
    killAt(phase, timeoutMs = 120_000) {
      return new Promise<TableauKill>((resolve, reject) => {
        const timer = setTimeout(() => {
          armed = undefined;
          reject(new Error(`no Update Data reached the proxy to kill at (${phase}) within ${timeoutMs} ms`));
        }, timeoutMs);
        armed = { phase, resolve: (k) => (clearTimeout(timer), resolve(k)) };
      });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
