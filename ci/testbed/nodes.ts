// Fake worker nodes that look like real Onload hosts to the API server, KMM and our hooks.
// KWOK keeps them Ready (lease heartbeats) and never runs their containers.
import { randomUUID } from 'node:crypto';

export const kernelVersion = '5.14.0-427.13.1.el9_4.x86_64';
export const solarflareLabel = 'feature.node.kubernetes.io/pci-1924.present';

export interface FakeNodeOptions {
  readonly name: string;
  /** Nodes without a Solarflare NIC lack the NFD label the chart selects on by default. */
  readonly solarflare: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

export function nodeName(index: number): string {
  return `worker-${String(index).padStart(2, '0')}`;
}

/** Node `index` of `count` (1-based): every node but the last of 4+ has a Solarflare NIC. */
export function defaultNodeOptions(index: number, count: number): FakeNodeOptions {
  return { name: nodeName(index), solarflare: count < 4 || index < count };
}

export function fakeNode(options: FakeNodeOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: options.name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': options.name,
        'node-role.kubernetes.io/worker': '',
        'node.kubernetes.io/instance-type': 'testbed',
        type: 'kwok',
        ...(options.solarflare ? { [solarflareLabel]: 'true' } : {}),
        ...options.labels,
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '500Gi' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '500Gi' },
      nodeInfo: {
        architecture: 'amd64',
        bootID: randomUUID(),
        machineID: randomUUID().replaceAll('-', ''),
        systemUUID: randomUUID(),
        kernelVersion,
        osImage: 'Red Hat Enterprise Linux CoreOS 9.4 (Plow)',
        operatingSystem: 'linux',
        containerRuntimeVersion: 'cri-o://1.36.0',
        kubeletVersion: 'v1.36.5',
        kubeProxyVersion: 'v1.36.5',
      },
    },
  };
}
