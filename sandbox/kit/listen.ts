import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a simulator on loopback (an ephemeral port by default). Every simulator listens the same way:
 * never on a public interface, and `close()` also ends clients' keep-alive sockets, which would
 * otherwise hold it open.
 */
export async function listenOnLoopback(app: Express, port = 0, opts: { keepAliveTimeoutMs?: number; onClose?: () => void } = {}): Promise<Listening> {
  const server = app.listen(port, '127.0.0.1');
  if (opts.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: async () => {
      opts.onClose?.();
      const closed = new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done())));
      server.closeAllConnections();
      await closed;
    },
  };
}
