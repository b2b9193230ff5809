import net, { type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay that can be cut: every open connection is destroyed and new ones are refused until it is
 * mended. Put between a client and a server (e.g. Temporal's gRPC port) to make the server vanish and
 * come back without touching the server itself.
 */
export interface TcpCutProxy {
  address: string;
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function startTcpCutProxy(upstream: string): Promise<TcpCutProxy> {
  const [host, port] = splitHostPort(upstream);
  const open = new Set<Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const server = net.connect(port, host);
    for (const s of [client, server]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => { client.destroy(); server.destroy(); });
    }
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    mend() { cut = false; },
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
