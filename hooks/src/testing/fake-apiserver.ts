// A fake of the HTTP layer for adapter unit tests: a local HTTP server answering with canned
// responses per route, recording every request. (Cluster tests use the real API server.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export type Reply =
  | { readonly status: number; readonly body?: unknown }
  /** A watch stream: these events, then the connection closes. */
  | { readonly events: readonly { readonly type: string; readonly object: unknown }[] };

export type Handler = (request: Recorded) => Reply;

export class FakeApiServer {
  readonly requests: Recorded[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  private server: Server | undefined;

  on(method: string, pattern: RegExp, handler: Handler | Reply): this {
    this.routes.unshift({
      method,
      pattern,
      handler: typeof handler === 'function' ? handler : () => handler,
    });
    return this;
  }

  /** Replies in turn (the last one repeats). */
  sequence(method: string, pattern: RegExp, replies: readonly Reply[]): this {
    let i = 0;
    return this.on(method, pattern, () => replies[Math.min(i++, replies.length - 1)] as Reply);
  }

  async start(): Promise<KubeConfig> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return kc;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  matching(method: string, pattern: RegExp): Recorded[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: Recorded = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.requests.push(recorded);
    const route = this.routes.find(
      (r) => r.method === recorded.method && r.pattern.test(recorded.path),
    );
    const reply: Reply = route
      ? route.handler(recorded)
      : { status: 404, body: status(404, 'NotFound', 'no route') };
    if ('events' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const e of reply.events) res.write(`${JSON.stringify(e)}\n`);
      res.end();
      return;
    }
    // A string body is sent as it is, as the API server sends pod logs.
    if (typeof reply.body === 'string') {
      res.writeHead(reply.status, { 'content-type': 'text/plain' });
      res.end(reply.body);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body ?? {}));
  }
}

/** A metav1.Status body. */
export function status(
  code: number,
  reason: string,
  message: string,
  causes: readonly { reason: string; message: string }[] = [],
): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    ...(causes.length > 0 ? { details: { causes } } : {}),
  };
}
