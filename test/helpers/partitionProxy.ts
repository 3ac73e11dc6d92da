/**
 * A TCP proxy in front of the API server (TLS passes through untouched): cut() drops every
 * connection and refuses new ones, heal() lets clients in again. A network partition, on loopback.
 */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface PartitionProxy {
  /** <scheme>://127.0.0.1:<port>; with TLS passing through, the server's certificate must name 127.0.0.1. */
  readonly url: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(target: string): Promise<PartitionProxy> {
  const { hostname, port, protocol } = new URL(target);
  const sockets = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `${protocol}//127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      cut = true;
      sockets.forEach((s) => s.destroy());
    },
    heal: () => {
      cut = false;
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
