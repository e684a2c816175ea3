// Helpers for the agents' cluster tests (`*.cluster.test.ts` here): read and wait on the real
// test bed through kubectl, and record every state a node's labels pass through.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { waitFor } from '../../lib/wait.ts';
import { kubectl, kubectlJson, testbed } from '../session.ts';

export interface NodeJson {
  metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { taints?: { key: string; value?: string; effect: string }[] };
  status: {
    allocatable?: Record<string, string>;
    capacity?: Record<string, string>;
    nodeInfo: { kernelVersion: string };
  };
}

export interface ContainerStatusJson {
  name: string;
  ready: boolean;
  restartCount: number;
  state: {
    waiting?: { reason: string; message?: string };
    running?: { startedAt: string };
    terminated?: { exitCode: number; reason: string; message?: string };
  };
}

export interface PodJson {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface NmcEntryJson {
  name: string;
  namespace: string;
  config: { containerImage: string; kernelVersion: string };
  lastTransitionTime?: string;
}

export interface NmcJson {
  spec?: { modules?: NmcEntryJson[] };
  status?: { modules?: NmcEntryJson[] };
}

const wait = { timeoutMs: 60_000, intervalMs: 200 };

export async function apply(...objects: object[]): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n') });
}

export function getNode(name: string): Promise<NodeJson> {
  return kubectlJson<NodeJson>(['get', 'node', name]);
}

export async function getPod(namespace: string, name: string): Promise<PodJson | undefined> {
  const result = await kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json'], {
    allowFailure: true,
  });
  return result.code === 0 ? (JSON.parse(result.stdout) as PodJson) : undefined;
}

export async function getNmc(node: string): Promise<NmcJson | undefined> {
  const result = await kubectl(['get', 'nodemodulesconfigs', node, '-o', 'json'], {
    allowFailure: true,
  });
  return result.code === 0 ? (JSON.parse(result.stdout) as NmcJson) : undefined;
}

/**
 * What a reboot shows the API: the node's Ready condition turns True again at `at` (KWOK keeps the
 * node Ready throughout; KMM reads only the transition time).
 */
export async function markNodeRebooted(node: string, at: Date): Promise<void> {
  const ready = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status (test bed: rebooted)',
    lastTransitionTime: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    lastHeartbeatTime: at.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  await kubectl([
    'patch',
    'node',
    node,
    '--subresource=status',
    '--type=strategic',
    '-p',
    JSON.stringify({ status: { conditions: [ready] } }),
  ]);
}

/** Sets (string) or removes (null) node labels. */
export async function setNodeLabels(
  node: string,
  labels: Readonly<Record<string, string | null>>,
): Promise<void> {
  await kubectl([
    'label',
    'node',
    node,
    '--overwrite',
    ...Object.entries(labels).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`)),
  ]);
}

export function untilNode<T>(
  node: string,
  what: string,
  check: (n: NodeJson) => T | undefined | false,
): Promise<T> {
  let last = '';
  return waitFor(
    `${what} on ${node}`,
    async () => {
      const n = await getNode(node);
      last = JSON.stringify(n.metadata.labels);
      return check(n);
    },
    { ...wait, describe: () => `labels ${last}` },
  );
}

export function untilPod<T>(
  namespace: string,
  name: string,
  what: string,
  check: (p: PodJson) => T | undefined | false,
): Promise<T> {
  let last = '';
  return waitFor(
    `${what} (pod ${namespace}/${name})`,
    async () => {
      const p = await getPod(namespace, name);
      last = JSON.stringify(p?.status ?? 'no such pod');
      return p && check(p);
    },
    { ...wait, describe: () => `status ${last}` },
  );
}

export function isPodReady(p: PodJson): boolean {
  return p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Records, through a watch, each distinct value the given labels of a node take (as JSON of the
 * present keys), so a test can assert a state was passed through however briefly.
 */
export async function recordNodeLabels(
  node: string,
  keys: readonly string[],
): Promise<{ states: string[]; stop: () => void }> {
  const kc = new KubeConfig();
  kc.loadFromFile(testbed().kubeconfig);
  const states: string[] = [];
  const controller = await new Watch(kc).watch(
    '/api/v1/nodes',
    { fieldSelector: `metadata.name=${node}` },
    (_phase, object: { metadata?: { labels?: Record<string, string> } }) => {
      const labels = object.metadata?.labels ?? {};
      const state = JSON.stringify(
        Object.fromEntries(keys.filter((k) => k in labels).map((k) => [k, labels[k]])),
      );
      if (states.at(-1) !== state) states.push(state);
    },
    () => undefined,
  );
  return {
    states,
    stop: () => {
      controller.abort();
    },
  };
}
