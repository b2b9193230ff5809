/**
 * An HTTP proxy between a worker process and the Tableau sandbox that SIGKILLs the worker at a chosen
 * point of an Update Data batch, so crash tests land their kills inside one:
 *  - 'uploaded': the payload is uploaded and the PATCH is on its way: the worker dies before it is sent;
 *  - 'patched':  the PATCH reached Tableau and its job was created: the worker dies before it learns the
 *                job id, so neither the job's outcome nor the delivery ledger is recorded.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TableauKillPhase = 'uploaded' | 'patched';

export interface TableauKillProxy {
  url: string;
  /** Arms one kill and resolves with the RequestID of the PATCH it killed at. */
  killAt(phase: TableauKillPhase, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startTableauKillProxy(opts: { upstream: string; kill: () => void }): Promise<TableauKillProxy> {
  const upstream = new URL(opts.upstream);
  let armed: { phase: TableauKillPhase; resolve: (requestId: string) => void } | undefined;

  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const isPatch = req.method === 'PATCH' && /\/datasources\/[^/]+\/data/.test(req.url ?? '');
    const requestId = String(req.headers.requestid ?? '');
    if (armed && isPatch && armed.phase === 'uploaded') {
      const a = armed;
      armed = undefined;
      opts.kill();
      a.resolve(requestId);
      res.destroy();
      return;
    }
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upRes) => {
      const out: Buffer[] = [];
      upRes.on('data', (c: Buffer) => out.push(c));
      upRes.on('end', () => {
        if (armed && isPatch && armed.phase === 'patched' && (upRes.statusCode ?? 0) < 300) {
          const a = armed;
          armed = undefined;
          opts.kill();
          a.resolve(requestId);
          res.destroy();
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(Buffer.concat(out));
      });
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    killAt(phase, timeoutMs = 120_000) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no PATCH reached the proxy to kill at (${phase})`)), timeoutMs);
        armed = { phase, resolve: (id) => { clearTimeout(timer); resolve(id); } };
      });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
