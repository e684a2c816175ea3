// Shared steps of the end-to-end scenarios: read the test bed's nodes, run workloads, watch
// invariants. Used by the `*.cluster.test.ts` files in this folder.
import { stringify } from 'yaml';
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  onloadGroup,
  pausedLabel,
  stateLabel,
} from '../../hooks/src/contract.ts';
import { waitFor } from '../lib/wait.ts';
import { solarflareLabel } from '../testbed/nodes.ts';
import { writesVersionReady } from '../testbed/agents/faults.ts';
import { kubectl, kubectlJson, kmmUnderTest, testbed } from '../testbed/session.ts';
import { InvariantChecker, kmmLoadedVersion, type InvariantPolicy } from './invariants.ts';
import { ClusterObserver } from './observer.ts';
import type { Release } from './release.ts';
import { sampleWorkloads, workloadNamespace } from './workloads.ts';

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export async function nodes(): Promise<NodeInfo[]> {
  const list = await kubectlJson<{ items: { metadata: NodeInfo }[] }>(['get', 'nodes']);
  return list.items.map((n) => ({
    name: n.metadata.name,
    labels: n.metadata.labels,
    annotations: n.metadata.annotations,
  }));
}

/** Nodes the chart's default selector picks (a Solarflare NIC found by NFD). */
export async function selectedNodes(): Promise<string[]> {
  return (await nodes()).filter((n) => n.labels[solarflareLabel] === 'true').map((n) => n.name);
}

export function release(name: string, namespace: string, helm: 3 | 4 = 3): Release {
  return { name, namespace, helm, kubeconfig: testbed().kubeconfig };
}

function loadedVersion(
  labels: Readonly<Record<string, string>>,
  namespace: string,
  module: string,
): string | undefined {
  return kmmLoadedVersion(labels, namespace, module, writesVersionReady(kmmUnderTest().version));
}

/** Per node: which onload and sfc versions are wanted and loaded. */
export async function loadedVersions(
  namespace: string,
): Promise<Record<string, { onload?: string; sfc?: string; wanted?: string }>> {
  const out: Record<string, { onload?: string; sfc?: string; wanted?: string }> = {};
  for (const node of await nodes()) {
    const l = node.labels;
    const onload = loadedVersion(l, namespace, moduleNames.onload);
    const sfc = loadedVersion(l, namespace, moduleNames.sfc);
    const wanted = l[kmmVersionLabel(namespace, moduleNames.onload)];
    out[node.name] = {
      ...(onload ? { onload } : {}),
      ...(sfc ? { sfc } : {}),
      ...(wanted ? { wanted } : {}),
    };
  }
  return out;
}

function isOurKey(namespace: string, key: string): boolean {
  return (
    key.startsWith(`${onloadGroup}/${namespace}.`) ||
    [moduleNames.onload, moduleNames.sfc].some(
      (m) =>
        key === kmmVersionLabel(namespace, m) ||
        key === kmmReadyLabel(namespace, m) ||
        key === kmmVersionReadyLabel(namespace, m),
    )
  );
}

/** Per node, the labels and annotations of ours or KMM's for this namespace, with their values. */
export async function ourMarks(namespace: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const n of await nodes()) {
    out[n.name] = Object.fromEntries(
      [...Object.entries(n.labels), ...Object.entries(n.annotations)]
        .filter(([k]) => isOurKey(namespace, k))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return out;
}

/** Every node's labels and annotations of ours or KMM's for this namespace (for "nodes clean"). */
export async function leftoverKeys(namespace: string): Promise<string[]> {
  return Object.entries(await ourMarks(namespace)).flatMap(([node, marks]) =>
    Object.keys(marks).map((k) => `${node}: ${k}`),
  );
}

/** Waits until no node carries a label or annotation of ours or KMM's for this namespace. */
export async function waitNodesClean(namespace: string): Promise<void> {
  await waitFor('nodes to be clean', async () => (await leftoverKeys(namespace)).length === 0, {
    timeoutMs: 120_000,
    describe: async () => (await leftoverKeys(namespace)).join(', '),
  });
}

export async function applyWorkloads(): Promise<void> {
  await kubectl(['apply', '-f', '-'], {
    input: sampleWorkloads()
      .map((o) => stringify(o))
      .join('---\n'),
  });
  await waitWorkloadsReady();
}

export async function waitWorkloadsReady(): Promise<void> {
  for (const workload of ['deployment/trader', 'statefulset/pricer']) {
    await kubectl(['rollout', 'status', '-n', workloadNamespace, workload, '--timeout=180s']);
  }
}

export async function deleteWorkloads(): Promise<void> {
  await kubectl([
    'delete',
    'namespace',
    workloadNamespace,
    '--ignore-not-found',
    '--wait=true',
    '--timeout=120s',
  ]);
}

export interface Watch {
  readonly checker: InvariantChecker;
  readonly observer: ClusterObserver;
}

export async function watchInvariants(policy: InvariantPolicy): Promise<Watch> {
  const checker = new InvariantChecker(policy);
  const observer = new ClusterObserver(testbed().kubeconfig, checker);
  await observer.start();
  return { checker, observer };
}

/** Waits until some selected node is in a rollout (paused), i.e. the post hook has started. */
export async function waitForRolloutInProgress(
  namespace: string,
  timeoutMs = 300_000,
): Promise<string> {
  return waitFor(
    'a node to be in the rollout',
    async () => (await nodes()).find((n) => n.labels[pausedLabel(namespace)] !== undefined)?.name,
    { timeoutMs, intervalMs: 250 },
  );
}

export async function waitForNodeState(
  namespace: string,
  node: string,
  state: string,
  timeoutMs = 300_000,
): Promise<void> {
  await waitFor(
    `${node} to reach ${state}`,
    async () =>
      (await nodes()).find((n) => n.name === node)?.labels[stateLabel(namespace)] === state,
    { timeoutMs, intervalMs: 250 },
  );
}

export interface OnloadCr {
  metadata: { annotations?: Record<string, string> };
  spec: { onload: { version: string } };
  status?: {
    phase?: string;
    desiredVersion?: string;
    versions?: Record<string, number>;
    nodes?: { total?: number; upToDate?: number; failed?: number };
    failedNodes?: { name: string; reason: string; message?: string }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

export function onloadCr(r: Release, name = r.name): Promise<OnloadCr> {
  return kubectlJson<OnloadCr>(['get', 'onload', name, '-n', r.namespace]);
}
