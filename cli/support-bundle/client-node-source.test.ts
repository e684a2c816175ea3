import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeApiServer, status } from '../../hooks/src/testing/fake-apiserver.ts';
import { ClientNodeSource } from './client-node-source.ts';
import { kinds, SourceError } from './source.ts';

const signal = new AbortController().signal;

describe('ClientNodeSource over a fake HTTP layer', () => {
  let server: FakeApiServer;
  let source: ClientNodeSource;

  beforeEach(async () => {
    server = new FakeApiServer();
    source = new ClientNodeSource(await server.start(), { attempts: 2 });
  });
  afterEach(async () => {
    await server.stop();
  });

  it('lists every page with the selectors, keeping fields no typed model knows', async () => {
    const path = /^\/apis\/kmm\.sigs\.x-k8s\.io\/v1beta1\/namespaces\/onload\/modules$/;
    server.on('GET', path, (request) =>
      request.query.get('continue') === 'page-2'
        ? { status: 200, body: { items: [{ metadata: { name: 'sfc' } }], metadata: {} } }
        : {
            status: 200,
            body: {
              items: [{ metadata: { name: 'onload' }, futureField: { x: 1 } }],
              metadata: { continue: 'page-2' },
            },
          },
    );
    const items = await source.list(
      kinds.modules,
      { namespace: 'onload', labelSelector: 'a=b' },
      signal,
    );
    expect(items).toEqual([
      { metadata: { name: 'onload' }, futureField: { x: 1 } },
      { metadata: { name: 'sfc' } },
    ]);
    const [first] = server.matching('GET', path);
    expect(first?.query.get('labelSelector')).toBe('a=b');
    expect(first?.query.get('limit')).toBe('500');
    expect(first?.headers.authorization).toBe('Bearer token');
  });

  it('lists core and cluster-scoped kinds at their paths, with field selectors', async () => {
    server.on('GET', /^\/api\/v1\/events$/, { status: 200, body: { items: [], metadata: {} } });
    await source.list(kinds.events, { fieldSelector: 'involvedObject.kind=Node' }, signal);
    const [request] = server.matching('GET', /^\/api\/v1\/events$/);
    expect(request?.query.get('fieldSelector')).toBe('involvedObject.kind=Node');
  });

  it('throws SourceError with the status and the server message', async () => {
    server.on('GET', /\/poddisruptionbudgets$/, {
      status: 403,
      body: status(
        403,
        'Forbidden',
        'poddisruptionbudgets.policy is forbidden: User "x" cannot list',
      ),
    });
    const error = await source
      .list(kinds.podDisruptionBudgets, {}, signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toEqual(
      expect.objectContaining({
        status: 403,
        message: 'poddisruptionbudgets.policy is forbidden: User "x" cannot list',
      }),
    );
    const missing = await source
      .list(kinds.moduleImagesConfigs, { namespace: 'onload' }, signal)
      .catch((e: unknown) => e);
    expect((missing as SourceError).status).toBe(404);
  });

  it('retries a transient failure', async () => {
    server.sequence('GET', /^\/version$/, [
      { status: 503, body: status(503, 'ServiceUnavailable', 'busy') },
      { status: 200, body: { gitVersion: 'v1.33.0' } },
    ]);
    expect(await source.serverVersion(signal)).toEqual({ gitVersion: 'v1.33.0' });
    expect(server.matching('GET', /^\/version$/)).toHaveLength(2);
  });

  it('reads a log as text, with container, previous and a byte limit', async () => {
    const path = /^\/api\/v1\/namespaces\/onload\/pods\/dp-1\/log$/;
    server.on('GET', path, { status: 200, body: 'line 1\n{"json": "as text"}\n' });
    const text = await source.podLog(
      { namespace: 'onload', pod: 'dp-1', container: 'init', previous: true, limitBytes: 1024 },
      signal,
    );
    expect(text).toBe('line 1\n{"json": "as text"}\n');
    const [request] = server.matching('GET', path);
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      container: 'init',
      previous: 'true',
      limitBytes: '1024',
    });
  });

  it('gets one object, and stops when aborted', async () => {
    server.on('GET', /^\/api\/v1\/namespaces\/onload$/, {
      status: 200,
      body: { metadata: { name: 'onload' } },
    });
    expect(await source.get(kinds.namespaces, 'onload', undefined, signal)).toEqual({
      metadata: { name: 'onload' },
    });
    const aborted = new AbortController();
    aborted.abort();
    await expect(source.get(kinds.namespaces, 'onload', undefined, aborted.signal)).rejects.toThrow(
      SourceError,
    );
  });
});
