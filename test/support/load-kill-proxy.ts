/**
 * An HTTP proxy between a worker process and the BigQuery emulator that SIGKILLs the worker at a
 * chosen point of a load job, so crash tests land their kills inside a load rather than between
 * loads. Requests pass through untouched until a kill is armed; then the first matching request of
 * the armed phase triggers it:
 *  - 'torn':      an upload of the dataset's table is cut halfway through its data once the emulator
 *                 has registered its job (what a worker killed mid-upload leaves: a DONE job, no rows);
 *  - 'sent':      the worker dies as soon as its whole upload is sent; the emulator loads the rows,
 *                 but nobody learns the job's outcome and the delivery ledger does not record them.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type KillPhase = 'torn' | 'sent';

export interface Kill {
  phase: KillPhase;
  /** The load job being uploaded. */
  jobId: string;
}

export interface LoadKillProxy {
  url: string;
  /** Arms one kill and resolves once the worker has been killed there. */
  killAt(phase: KillPhase, timeoutMs?: number): Promise<Kill>;
  close(): Promise<void>;
}

export async function startLoadKillProxy(opts: {
  upstream: string;
  /** Only loads into this table of this dataset trigger kills. */
  datasetId: string;
  tableId: string;
  kill: () => void;
}): Promise<LoadKillProxy> {
  const upstream = new URL(opts.upstream);
  let armed: { phase: KillPhase; resolve: (k: Kill) => void } | undefined;

  const forward = (req: IncomingMessage, body: Buffer) => {
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    return http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers });
  };

  const killNow = (kill: Kill) => {
    const a = armed!;
    armed = undefined;
    opts.kill();
    a.resolve(kill);
  };

  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.subarray(0, 64 * 1024).toString('utf8');
    const ours = req.url?.startsWith('/upload/') === true && text.includes(`"datasetId":"${opts.datasetId}"`) && text.includes(`"tableId":"${opts.tableId}"`);
    const jobId = /"jobId":"([^"]+)"/.exec(text)?.[1] ?? '';

    if (armed && ours) {
      if (armed.phase === 'torn') {
        const up = forward(req, body);
        up.on('error', () => {});
        up.write(body.subarray(0, Math.floor(body.length / 2)));
        await jobRegistered(upstream, req.url!, jobId);
        killNow({ phase: 'torn', jobId });
        up.destroy();
        return res.destroy();
      }
      if (armed.phase === 'sent') {
        // The emulator gets the whole upload and loads it; only the worker is gone.
        const up = forward(req, body);
        up.on('error', () => {});
        up.on('response', (r) => r.resume());
        up.end(body);
        killNow({ phase: 'sent', jobId });
        return res.destroy();
      }
    }
    const up = forward(req, body);
    up.on('response', (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    killAt(phase, timeoutMs = 180_000) {
      return new Promise<Kill>((resolve, reject) => {
        const timer = setTimeout(() => {
          armed = undefined;
          reject(new Error(`no ${phase} kill within ${timeoutMs} ms`));
        }, timeoutMs);
        armed = { phase, resolve: (k) => (clearTimeout(timer), resolve(k)) };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Waits until the emulator lists the job: it registers an upload's job before reading its data. */
async function jobRegistered(upstream: URL, uploadPath: string, jobId: string): Promise<void> {
  const project = /\/projects\/([^/]+)\/jobs/.exec(uploadPath)?.[1];
  const url = `${upstream.origin}/bigquery/v2/projects/${project}/jobs/${jobId}`;
  for (let tries = 0; tries < 400; tries++) {
    if ((await fetch(url)).status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} never appeared on the emulator`);
}
