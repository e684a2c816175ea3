// A small read-only HTTP server for metrics: GET (and HEAD) of the routes given, 404 elsewhere,
// 405 for other methods. A route that throws answers 500 and is logged; the server never stops
// for it. Used by the Onload exporter (/metrics, /orm.json) and the labeller (/metrics).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.ts';

export interface RouteResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type Route = () => Promise<RouteResponse> | RouteResponse;

export interface MetricsServer {
  readonly server: Server;
  /** The port listened on (the one asked for, or the one the system picked for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** The /metrics route of a registry, after `before` (which brings the registry up to date). */
export function metricsRoute(registry: Registry, before?: () => Promise<void>): Route {
  return async () => {
    await before?.();
    return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  };
}

/** `/healthz`: the process answers. */
export const healthRoute: Route = () => ({ status: 200, contentType: 'text/plain', body: 'ok\n' });

export async function startMetricsServer(options: {
  readonly port: number;
  readonly host?: string;
  readonly routes: Readonly<Record<string, Route>>;
  readonly log: Logger;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    void handle(req, res, options.routes, options.log);
  });
  // Scrapes are short: do not keep idle connections (and their sockets) for long.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Readonly<Record<string, Route>>,
  log: Logger,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  let reply: RouteResponse;
  if (!route) reply = { status: 404, contentType: 'text/plain', body: `no ${path} here\n` };
  else if (req.method !== 'GET' && req.method !== 'HEAD')
    reply = { status: 405, contentType: 'text/plain', body: 'only GET and HEAD\n' };
  else {
    try {
      reply = await route();
    } catch (e) {
      log.error(`${path}: ${(e as Error).message}`, { error: e });
      reply = { status: 500, contentType: 'text/plain', body: 'internal error\n' };
    }
  }
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    'Content-Length': Buffer.byteLength(reply.body),
    ...(reply.status === 405 ? { Allow: 'GET, HEAD' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}
