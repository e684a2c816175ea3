// Plain objects for the agents' unit tests.
import type { Module, NmcEntry } from './kmm/types.ts';
import type { NodeView, PodView, TaintView } from './kube/views.ts';

export const kernel = '5.14.0-427.13.1.el9_4.x86_64';

export function node(
  labels: Record<string, string> = {},
  extra: { taints?: TaintView[]; annotations?: Record<string, string>; allocatable?: string } = {},
): NodeView {
  return {
    metadata: { name: 'n1', uid: 'node-uid', labels, annotations: extra.annotations ?? {} },
    spec: { taints: extra.taints ?? [] },
    status: {
      nodeInfo: { kernelVersion: kernel },
      addresses: [{ type: 'InternalIP', address: '10.1.0.1' }],
      ...(extra.allocatable !== undefined
        ? {
            allocatable: { 'amd.com/onload': extra.allocatable },
            capacity: { 'amd.com/onload': extra.allocatable },
          }
        : {}),
    },
  };
}

export function kmodule(
  name: string,
  version: string | undefined,
  extra: Partial<Module['spec']> = {},
): Module {
  return {
    metadata: { name, namespace: 'ns' },
    spec: {
      selector: { sfc: 'yes' },
      moduleLoader: {
        container: {
          ...(version !== undefined ? { version } : {}),
          modprobe: { moduleName: name },
          kernelMappings: [
            { literal: 'other-kernel', containerImage: 'img/other:1' },
            {
              regexp: '^.+\\.el9_4\\..+$',
              containerImage: `img/${name}:\${KERNEL_FULL_VERSION}-${version ?? 'x'}`,
            },
            { regexp: '^.+$', containerImage: 'img/fallback:1' },
          ],
        },
      },
      ...extra,
    },
  };
}

export function entry(name: string, image: string, version?: string): NmcEntry {
  return {
    name,
    namespace: 'ns',
    serviceAccountName: '',
    config: {
      kernelVersion: kernel,
      containerImage: image,
      imagePullPolicy: 'IfNotPresent',
      insecurePull: false,
      modprobe: { dirName: '/opt', moduleName: name },
    },
    ...(version ? { version } : {}),
  };
}

export function pod(
  labels: Record<string, string>,
  extra: Partial<NonNullable<PodView['spec']>> & {
    status?: PodView['status'];
    annotations?: Record<string, string>;
    deleting?: boolean;
  } = {},
): PodView {
  const { status, annotations, deleting, ...spec } = extra;
  return {
    metadata: {
      name: 'p1',
      namespace: 'ns',
      uid: 'pod-uid',
      labels,
      annotations: annotations ?? {},
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'img/c:1' }], ...spec },
    ...(status ? { status } : {}),
  };
}
