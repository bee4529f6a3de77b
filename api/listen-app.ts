import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WeftApp } from './create-app';
import { koaRequestListener } from './koa-request-listener';

/** A listening API server. */
export interface ListeningServer {
  server: Server;
  host: string;
  /** The actual port (useful when asked for port 0). */
  port: number;
  url: string;
  /**
   * Stops accepting connections, ends event streams and idle keep-alive connections, waits for
   * in-flight requests up to `graceMs`, then drops whatever is left.
   */
  close(graceMs?: number): Promise<void>;
}

/** Listens with the app on `host:port` (port 0 picks a free one). */
export function listenApp(weft: WeftApp, port: number, host: string): Promise<ListeningServer> {
  const server = createServer(koaRequestListener(weft.app));
  // keep-alive sockets must not outlive a shutdown by the default 5 s
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      let closing: Promise<void> | null = null;
      resolve({
        server,
        host: addr.address,
        port: addr.port,
        url: `http://${shownHost}:${addr.port}`,
        close(graceMs = 5_000) {
          closing ??= new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            weft.close();
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
