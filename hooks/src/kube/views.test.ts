import { describe, expect, it } from '@jest/globals';
import { canonical, quantity, toNmcView, toNodeView, toPodImagesView, toPodView } from './views.ts';

describe('API object views', () => {
  it('reads readiness, cordons (flag or taint) and the allocatable Onload devices of a node', () => {
    const node = toNodeView({
      metadata: { name: 'n', uid: 'u', resourceVersion: '5', labels: { a: 'b' } },
      spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        allocatable: { 'amd.com/onload': '100' },
      },
    });
    expect(node).toEqual(
      expect.objectContaining({
        ready: true,
        unschedulable: true,
        onloadAllocatable: 100,
        labels: { a: 'b' },
      }),
    );
    expect(toNodeView({ metadata: { name: 'm' }, spec: { unschedulable: true } })).toEqual(
      expect.objectContaining({ ready: false, unschedulable: true, onloadAllocatable: 0 }),
    );
  });

  it('finds amd.com/onload in requests or limits of any container, init containers included', () => {
    const base = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' } };
    expect(
      toPodView({
        ...base,
        spec: { containers: [{ resources: { limits: { 'amd.com/onload': '1' } } }] },
      }).usesOnload,
    ).toBe(true);
    expect(
      toPodView({
        ...base,
        spec: {
          initContainers: [{ resources: { requests: { 'amd.com/onload': '2' } } }],
          containers: [{}],
        },
      }).usesOnload,
    ).toBe(true);
    expect(
      toPodView({
        ...base,
        spec: { containers: [{ resources: { requests: { 'amd.com/onload': '0', cpu: '1' } } }] },
      }).usesOnload,
    ).toBe(false);
  });

  it('describes stuck containers, restarts, deletion and the controller owner', () => {
    const pod = toPodView({
      metadata: {
        name: 'kmm-worker-n-onload',
        namespace: 'ns',
        deletionTimestamp: new Date(0),
        ownerReferences: [{ kind: 'NodeModulesConfig', name: 'n', controller: true }],
      },
      spec: { nodeName: 'n' },
      status: {
        phase: 'Running',
        initContainerStatuses: [{ restartCount: 1, state: { terminated: { exitCode: 0 } } }],
        containerStatuses: [
          {
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          },
        ],
      },
    });
    expect(pod).toEqual(
      expect.objectContaining({
        deleting: true,
        restarts: 5,
        trouble: 'CrashLoopBackOff: back-off 40s',
        owner: { kind: 'NodeModulesConfig', name: 'n' },
      }),
    );
  });

  it("pairs each container's image with its own status's waiting reason and message", () => {
    const view = toPodImagesView({
      metadata: { name: 'p', namespace: 'ns', labels: { k: 'v' } },
      spec: {
        containers: [
          { name: 'a', image: 'r/a:1' },
          { name: 'b', image: 'r/b:1' },
          { name: 'c', image: 'r/c:1' },
        ],
      },
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'c', state: { waiting: { reason: 'ContainerCreating' } } },
          { name: 'b', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } } },
        ],
      },
    });
    expect(view).toEqual({
      namespace: 'ns',
      name: 'p',
      labels: { k: 'v' },
      containers: [
        { image: 'r/a:1' },
        { image: 'r/b:1', waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } },
        { image: 'r/c:1', waiting: { reason: 'ContainerCreating' } },
      ],
    });
  });

  it('reads which init container is running and since when', () => {
    const pod = toPodView({
      metadata: { name: 'onload-device-plugin-x', namespace: 'ns' },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'init', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } },
        ],
        containerStatuses: [
          { name: 'device-plugin', state: { waiting: { reason: 'PodInitializing' } } },
        ],
      },
    });
    expect(pod.initRunning).toEqual({
      container: 'init',
      since: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(pod.trouble).toBeUndefined();
    const done = toPodView({
      metadata: { name: 'p', namespace: 'ns' },
      status: {
        phase: 'Running',
        initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 0 } } }],
      },
    });
    expect(done.initRunning).toBeUndefined();
  });

  it('compares NodeModulesConfig spec and status configs deeply, whatever the key order', () => {
    const nmc = toNmcView({
      spec: {
        modules: [
          { namespace: 'ns', name: 'onload', config: { a: 1, b: { c: [1, 2] } } },
          { namespace: 'ns', name: 'sfc', config: { a: 1 } },
        ],
      },
      status: {
        modules: [
          { namespace: 'ns', name: 'onload', config: { b: { c: [1, 2] }, a: 1 } },
          { namespace: 'ns', name: 'sfc', config: { a: 2 } },
        ],
      },
    });
    expect(nmc.modules.map((m) => m.configApplied)).toEqual([true, false]);
    expect(canonical({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('reads extended-resource quantities', () => {
    expect([quantity(undefined), quantity('0'), quantity('3'), quantity('1k')]).toEqual([
      0, 0, 3, 1,
    ]);
  });
});
