import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLogger, memorySink } from '../log/logger.ts';
import { Changes, Store, asSink } from '../runtime/store.ts';
import { FakeApiServer, status } from '../testing/fake-apiserver.ts';
import { ClientNodeKube, listPaged } from './adapter.ts';
import type { NodeView } from './port.ts';

const fastRetry = { attempts: 4, baseMs: 1, maxMs: 2, sleep: () => Promise.resolve() };
const podPath = /^\/api\/v1\/namespaces\/apps\/pods\/web-1\/eviction$/;

function nodeJson(name: string, rv: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: rv, labels },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      allocatable: { 'amd.com/onload': '10' },
    },
  };
}

describe('ClientNodeKube over a fake HTTP layer', () => {
  let server: FakeApiServer;
  let kube: ClientNodeKube;

  beforeEach(async () => {
    server = new FakeApiServer();
    const kc = await server.start();
    kube = new ClientNodeKube(kc, createLogger({ level: 'error', sink: memorySink() }), {
      retry: fastRetry,
    });
  });
  afterEach(async () => {
    await server.stop();
  });

  describe('evictPod', () => {
    it('posts a policy/v1 Eviction and reports it evicted', async () => {
      server.on('POST', podPath, { status: 201, body: { kind: 'Status', status: 'Success' } });
      expect(await kube.evictPod({ namespace: 'apps', name: 'web-1' })).toEqual({
        kind: 'evicted',
      });
      const [req] = server.matching('POST', podPath);
      expect(req?.body).toEqual(
        expect.objectContaining({
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: 'web-1', namespace: 'apps' },
        }),
      );
    });

    it('treats 404 as already gone', async () => {
      server.on('POST', podPath, {
        status: 404,
        body: status(404, 'NotFound', 'pods "web-1" not found'),
      });
      expect(await kube.evictPod({ namespace: 'apps', name: 'web-1' })).toEqual({ kind: 'gone' });
    });

    it('reports 429 as blocked, naming the budget from the response, without retrying inside', async () => {
      server.on('POST', podPath, {
        status: 429,
        body: status(
          429,
          'TooManyRequests',
          "Cannot evict pod as it would violate the pod's disruption budget.",
          [
            {
              reason: 'DisruptionBudget',
              message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently',
            },
          ],
        ),
      });
      const result = await kube.evictPod({ namespace: 'apps', name: 'web-1' });
      expect(result).toEqual(expect.objectContaining({ kind: 'blocked', budgets: ['web-pdb'] }));
      expect(server.matching('POST', podPath)).toHaveLength(1);
    });

    it('finds the blocking budgets by the pod labels when the response does not name them', async () => {
      server.on('POST', podPath, {
        status: 429,
        body: status(429, 'TooManyRequests', 'Cannot evict pod'),
      });
      server.on('GET', /^\/api\/v1\/namespaces\/apps\/pods\/web-1$/, {
        status: 200,
        body: {
          metadata: { name: 'web-1', namespace: 'apps', labels: { app: 'web' } },
          spec: {},
          status: {},
        },
      });
      server.on('GET', /^\/apis\/policy\/v1\/namespaces\/apps\/poddisruptionbudgets$/, {
        status: 200,
        body: {
          items: [
            {
              metadata: { name: 'web-pdb', namespace: 'apps' },
              spec: { selector: { matchLabels: { app: 'web' } }, maxUnavailable: 0 },
            },
            {
              metadata: { name: 'db-pdb', namespace: 'apps' },
              spec: { selector: { matchLabels: { app: 'db' } } },
            },
          ],
        },
      });
      const result = await kube.evictPod({ namespace: 'apps', name: 'web-1' });
      expect(result).toEqual(
        expect.objectContaining({ kind: 'blocked', budgets: ['apps/web-pdb'] }),
      );
    });

    it('retries 5xx and connection trouble, then succeeds', async () => {
      server.sequence('POST', podPath, [
        { status: 503, body: status(503, 'ServiceUnavailable', 'etcd leader changed') },
        { status: 201, body: {} },
      ]);
      expect(await kube.evictPod({ namespace: 'apps', name: 'web-1' })).toEqual({
        kind: 'evicted',
      });
      expect(server.matching('POST', podPath)).toHaveLength(2);
    });

    it('retries a 409 conflict by sending the eviction again', async () => {
      server.sequence('POST', podPath, [
        { status: 409, body: status(409, 'Conflict', 'conflict') },
        { status: 201, body: {} },
      ]);
      expect(await kube.evictPod({ namespace: 'apps', name: 'web-1' })).toEqual({
        kind: 'evicted',
      });
    });

    it('reports a pod under several budgets as refused, not as a server failure', async () => {
      server.on('POST', podPath, {
        status: 500,
        body: status(
          500,
          'InternalError',
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support. (multiple PodDisruptionBudgets)',
        ),
      });
      expect((await kube.evictPod({ namespace: 'apps', name: 'web-1' })).kind).toBe('refused');
    });
  });

  describe('patchNode', () => {
    const path = /^\/api\/v1\/nodes\/n1$/;

    it('sends a JSON merge patch with the resourceVersion precondition', async () => {
      server.on('PATCH', path, { status: 200, body: nodeJson('n1', '8', { a: 'b' }) });
      const result = await kube.patchNode('n1', { labels: { a: 'b', gone: null } }, '7');
      expect(result.kind).toBe('patched');
      const [req] = server.matching('PATCH', path);
      expect(req?.headers['content-type']).toBe('application/merge-patch+json');
      expect(req?.body).toEqual({
        metadata: { labels: { a: 'b', gone: null }, resourceVersion: '7' },
      });
    });

    it('returns conflict on 409 and not-found on 404', async () => {
      server.on('PATCH', path, {
        status: 409,
        body: status(409, 'Conflict', 'the object has been modified'),
      });
      expect((await kube.patchNode('n1', { labels: {} }, '1')).kind).toBe('conflict');
      server.on('PATCH', path, {
        status: 404,
        body: status(404, 'NotFound', 'nodes "n1" not found'),
      });
      expect((await kube.patchNode('n1', { labels: {} }, '1')).kind).toBe('not-found');
    });
  });

  it('scales a Deployment through its scale subresource; false when it does not exist', async () => {
    const path = /^\/apis\/apps\/v1\/namespaces\/ns\/deployments\/labeller\/scale$/;
    server.on('PATCH', path, {
      status: 200,
      body: { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 0 } },
    });
    expect(await kube.scaleDeployment('ns', 'labeller', 0)).toBe(true);
    const [req] = server.matching('PATCH', path);
    expect(req?.headers['content-type']).toBe('application/merge-patch+json');
    expect(req?.body).toEqual({ spec: { replicas: 0 } });
    server.on('PATCH', path, {
      status: 404,
      body: status(404, 'NotFound', 'deployments.apps "labeller" not found'),
    });
    expect(await kube.scaleDeployment('ns', 'labeller', 0)).toBe(false);
  });

  it('removes a ConfigMap finalizer with a JSON patch that tests it is still at its index', async () => {
    const path = /^\/api\/v1\/namespaces\/ns\/configmaps\/guard$/;
    const cm = (finalizers: string[]) => ({
      status: 200,
      body: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'guard', finalizers } },
    });
    server.on('GET', path, cm(['other/keep', 'onload.amd.com/uninstall-guard']));
    server.on('PATCH', path, cm(['other/keep']));
    expect(
      await kube.removeConfigMapFinalizer('ns', 'guard', 'onload.amd.com/uninstall-guard'),
    ).toBe('removed');
    const [req] = server.matching('PATCH', path);
    expect(req?.headers['content-type']).toBe('application/json-patch+json');
    expect(req?.body).toEqual([
      { op: 'test', path: '/metadata/finalizers/1', value: 'onload.amd.com/uninstall-guard' },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
    server.on('GET', path, cm(['other/keep']));
    expect(
      await kube.removeConfigMapFinalizer('ns', 'guard', 'onload.amd.com/uninstall-guard'),
    ).toBe('absent');
    server.on('GET', path, {
      status: 404,
      body: status(404, 'NotFound', 'configmaps "guard" not found'),
    });
    expect(
      await kube.removeConfigMapFinalizer('ns', 'guard', 'onload.amd.com/uninstall-guard'),
    ).toBe('not-found');
  });

  describe('listOnloads', () => {
    const path = /^\/apis\/onload\.amd\.com\/v1alpha1\/namespaces\/onload\/onloads$/;

    it('reads each Onload with its name, annotations and node selector', async () => {
      server.on('GET', path, {
        status: 200,
        body: {
          items: [
            {
              metadata: { name: 'a', uid: 'u1', generation: 2, annotations: { k: 'v' } },
              spec: { selector: { 'nic/solarflare': 'true' } },
              status: { phase: 'Ready' },
            },
            { metadata: { name: 'b', uid: 'u2', generation: 1 }, spec: {} },
          ],
        },
      });
      expect(await kube.listOnloads('onload')).toEqual([
        {
          name: 'a',
          uid: 'u1',
          generation: 2,
          annotations: { k: 'v' },
          selector: { 'nic/solarflare': 'true' },
          status: { phase: 'Ready' },
        },
        { name: 'b', uid: 'u2', generation: 1, annotations: {} },
      ]);
    });

    it('reports none when the Onload CRD is not installed', async () => {
      server.on('GET', path, { status: 404, body: status(404, 'NotFound', 'not found') });
      expect(await kube.listOnloads('onload')).toEqual([]);
    });
  });

  describe('patchOnloadStatus', () => {
    const path =
      /^\/apis\/onload\.amd\.com\/v1alpha1\/namespaces\/onload\/onloads\/onload\/status$/;

    it('replaces the whole status, so versions no node runs any more disappear', async () => {
      server.on('PATCH', path, { status: 200, body: { metadata: { name: 'onload' } } });
      const status = { phase: 'Ready' as const, versions: { v1: 5 } };
      expect(await kube.patchOnloadStatus('onload', 'onload', status)).toBe(true);
      const [req] = server.matching('PATCH', path);
      expect(req?.headers['content-type']).toBe('application/json-patch+json');
      expect(req?.body).toEqual([{ op: 'add', path: '/status', value: status }]);
    });

    it('reports a missing Onload resource as not written', async () => {
      server.on('PATCH', path, {
        status: 404,
        body: status(404, 'NotFound', 'onloads.onload.amd.com "onload" not found'),
      });
      expect(await kube.patchOnloadStatus('onload', 'onload', { phase: 'Ready' })).toBe(false);
    });
  });

  it('lists and watches nodes by label selector, relisting after 410 Gone', async () => {
    let lists = 0;
    server.on('GET', /^\/api\/v1\/nodes$/, (req) => {
      if (req.query.get('watch') === 'true') {
        if (req.query.get('resourceVersion') === '10')
          return {
            events: [
              { type: 'MODIFIED', object: nodeJson('a', '11', { x: '1' }) },
              { type: 'ADDED', object: nodeJson('b', '12') },
              { type: 'DELETED', object: nodeJson('a', '13') },
              { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } },
            ],
          };
        return { events: [] };
      }
      lists++;
      return {
        status: 200,
        body: {
          metadata: { resourceVersion: lists === 1 ? '10' : '20' },
          items: [nodeJson('a', '10'), nodeJson('c', '9')],
        },
      };
    });
    const changes = new Changes();
    const store = new Store<NodeView>((n) => n.name, changes);
    const abort = new AbortController();
    kube.watchNodes('role=x', asSink(store), abort.signal);
    const names = (): string[] =>
      store
        .values()
        .map((n) => n.name)
        .sort();
    // The relist is counted when the server answers it, and applied once the client has read it.
    const until = Date.now() + 5_000;
    while ((lists < 2 || names().join() !== 'a,c') && Date.now() < until)
      await changes.wait(Date.now() + 200, Date.now);
    abort.abort();
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((r) => r.query.get('labelSelector') === 'role=x')).toBe(true);
    const watches = server.requests.filter((r) => r.query.get('watch') === 'true');
    expect(watches[0]?.query.get('resourceVersion')).toBe('10');
    expect(watches[0]?.query.get('allowWatchBookmarks')).toBe('true');
    // After the relist the store holds the listed nodes again.
    expect(names()).toEqual(['a', 'c']);
  });

  it("lists one namespace's pods by label selector with their containers' images and waits", async () => {
    const selector =
      'kmm.node.kubernetes.io/image-owner=onload,kmm.node.kubernetes.io/pull-pod-type';
    server.on('GET', /^\/api\/v1\/namespaces\/ns\/pods$/, {
      status: 200,
      body: {
        metadata: { resourceVersion: '7' },
        items: [
          {
            metadata: { name: 'onload-pull-pod-abcde', namespace: 'ns', labels: { a: 'b' } },
            spec: { containers: [{ name: 'puller', image: 'onload-module:v2-5.14' }] },
            status: {
              phase: 'Pending',
              containerStatuses: [
                {
                  name: 'puller',
                  image: 'onload-module:v2-5.14',
                  imageID: '',
                  ready: false,
                  restartCount: 0,
                  state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
                },
              ],
            },
          },
        ],
      },
    });
    expect(await kube.listPodImages('ns', selector)).toEqual([
      {
        namespace: 'ns',
        name: 'onload-pull-pod-abcde',
        labels: { a: 'b' },
        containers: [
          {
            image: 'onload-module:v2-5.14',
            waiting: { reason: 'ErrImagePull', message: 'not found' },
          },
        ],
      },
    ]);
    expect(server.requests.map((r) => r.query.get('labelSelector'))).toEqual([selector]);
  });

  it('says whether a KMM resource is served (404 on the collection means no CRD)', async () => {
    server.on('GET', /^\/apis\/kmm.sigs.x-k8s.io\/v1beta1\/namespaces\/ns\/moduleimagesconfigs$/, {
      status: 404,
      body: status(404, 'NotFound', 'the server could not find the requested resource'),
    });
    server.on('GET', /^\/apis\/kmm.sigs.x-k8s.io\/v1beta1\/namespaces\/ns\/modules$/, {
      status: 200,
      body: { items: [] },
    });
    expect(await kube.kmmResourceServed('moduleimagesconfigs', 'ns')).toBe(false);
    expect(await kube.kmmResourceServed('modules', 'ns')).toBe(true);
  });

  it("reads the Module CRD's served versions and spec fields; 404 means not installed, 403 is thrown", async () => {
    const crdPath =
      /^\/apis\/apiextensions.k8s.io\/v1\/customresourcedefinitions\/modules.kmm.sigs.x-k8s.io$/;
    const specSchema = (...fields: string[]) => ({
      openAPIV3Schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: Object.fromEntries(fields.map((f) => [f, { type: 'object' }])),
          },
        },
      },
    });
    server.sequence('GET', crdPath, [
      {
        status: 200,
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'modules.kmm.sigs.x-k8s.io' },
          spec: {
            group: 'kmm.sigs.x-k8s.io',
            names: { kind: 'Module', plural: 'modules' },
            scope: 'Namespaced',
            versions: [
              {
                name: 'v1beta1',
                served: true,
                storage: true,
                schema: specSchema('selector', 'tolerations'),
              },
              { name: 'v1alpha1', served: false, storage: false, schema: specSchema('selector') },
            ],
          },
        },
      },
      { status: 404, body: status(404, 'NotFound', 'not found') },
      { status: 403, body: status(403, 'Forbidden', 'cannot get resource') },
    ]);
    expect(await kube.getModuleCrd()).toEqual({
      versions: [
        { name: 'v1beta1', served: true, specFields: ['selector', 'tolerations'] },
        { name: 'v1alpha1', served: false, specFields: ['selector'] },
      ],
    });
    expect(await kube.getModuleCrd()).toBeUndefined();
    await expect(kube.getModuleCrd()).rejects.toMatchObject({ status: 403 });
  });

  it('creates a Lease, replaces it with the observed resourceVersion, and reports a conflict', async () => {
    const base = /^\/apis\/coordination.k8s.io\/v1\/namespaces\/ns\/leases/;
    server.on('POST', base, {
      status: 201,
      body: { metadata: { name: 'l', resourceVersion: '5' } },
    });
    server.on('PUT', base, { status: 409, body: status(409, 'Conflict', 'modified') });
    const spec = {
      holder: 'me',
      durationSeconds: 60,
      acquiredAt: 0,
      renewedAt: 1_000,
      transitions: 0,
    };
    expect(await kube.writeLease('ns', 'l', spec)).toBe('5');
    expect(await kube.writeLease('ns', 'l', spec, '5')).toBeUndefined();
    const [created] = server.matching('POST', base);
    expect(created?.body).toEqual(
      expect.objectContaining({
        spec: expect.objectContaining({
          holderIdentity: 'me',
          renewTime: '1970-01-01T00:00:01.000000Z',
        }),
      }),
    );
  });

  it('gives up on a call after the retry budget, naming the call', async () => {
    server.on('GET', /^\/api\/v1\/nodes\/n1$/, {
      status: 500,
      body: status(500, 'InternalError', 'boom'),
    });
    await expect(kube.getNode('n1')).rejects.toThrow('get node n1 failed (HTTP 500): boom');
    expect(server.matching('GET', /^\/api\/v1\/nodes\/n1$/)).toHaveLength(4);
  });
});

describe('listPaged', () => {
  it('reads every page in turn, converting each, with the snapshot resourceVersion', async () => {
    const asked: (string | undefined)[] = [];
    const pages: Record<string, { items: number[]; metadata: Record<string, string> }> = {
      first: { items: [1, 2], metadata: { resourceVersion: '7', _continue: 'b' } },
      b: { items: [3], metadata: { resourceVersion: '7', _continue: '' } },
    };
    const listed = await listPaged(
      (next) => {
        asked.push(next);
        return Promise.resolve(pages[next ?? 'first'] ?? { items: [] });
      },
      (n: number) => `item ${n}`,
    );
    expect(asked).toEqual([undefined, 'b']);
    expect(listed).toEqual({ items: ['item 1', 'item 2', 'item 3'], resourceVersion: '7' });
  });
});
