/**
 * A TCP proxy in front of the API server (TLS passes through untouched): cut() drops every
 * connection and refuses new ones, heal() lets clients in again. A network partition, on loopback.
 */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface PartitionProxy {
  /** https://127.0.0.1:<port>: same certificate, since 127.0.0.1 is in its names. */
  readonly url: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(target: string): Promise<PartitionProxy> {
  const { hostname, port } = new URL(target);
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
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
