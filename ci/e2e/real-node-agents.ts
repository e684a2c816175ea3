// The chart's node agents (the Onload metrics DaemonSet, the sfptpd DaemonSet) as real pods on the
// bed's real node. The real node has no Onload driver, so KMM never loads onload there and no
// release can select it: the chart renders these objects for a namespace of their own with the real
// node as its selector, the test applies them and writes the one label KMM would write after
// loading onload (the DaemonSets' node affinity asks for it).
import { join } from 'node:path';
import type { Manifest } from '../../charts/onload/tests/lib/manifests.ts';
import { effectiveSelector, render } from '../../charts/onload/tests/lib/render.ts';
import { realNodeName, realNodePaths, realNodeScheduling } from '../testbed/realnode/config.ts';
import { kubectl, kubectlJson, testbed } from '../testbed/session.ts';
import { componentLabel } from '../../hooks/src/model/pods.ts';
import { merge, type Values } from './values.ts';

const agentComponents = new Set(['onload-metrics', 'sfptpd', 'workload']);
const agentKinds = new Set([
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'DaemonSet',
  'Service',
]);

export interface NodeAgents {
  readonly namespace: string;
  readonly objects: readonly Manifest[];
}

const component = (o: Manifest): string => o.metadata.labels?.[componentLabel] ?? '';

/** The agents' objects of the chart rendered for `namespace` with the real node as its selector. */
export async function renderNodeAgents(namespace: string, values: Values): Promise<NodeAgents> {
  const dropped = Object.fromEntries(
    Object.keys(await effectiveSelector('minimal')).map((k) => [k, null]),
  );
  const rendered = await render({
    variant: 'minimal',
    namespace,
    overrides: merge(values, {
      selector: { ...dropped, ...realNodeScheduling.nodeSelector },
      tolerations: realNodeScheduling.tolerations,
    }),
  });
  const objects = rendered.filter(
    (o) => agentKinds.has(o.kind) && agentComponents.has(component(o)),
  );
  return { namespace, objects };
}

interface DaemonSetSpec {
  spec: {
    template: {
      spec: {
        affinity?: {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              nodeSelectorTerms: { matchExpressions?: { key: string; operator: string }[] }[];
            };
          };
        };
      };
    };
  };
}

/** The labels a DaemonSet's required node affinity asks to exist (KMM's ready label). */
export function requiredNodeLabels(daemonSet: Manifest): string[] {
  const terms =
    (daemonSet as unknown as DaemonSetSpec).spec.template.spec.affinity?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.flatMap((t) =>
    (t.matchExpressions ?? []).filter((e) => e.operator === 'Exists').map((e) => e.key),
  );
}

function kmmLabels(agents: NodeAgents): string[] {
  return [
    ...new Set(
      agents.objects.filter((o) => o.kind === 'DaemonSet').flatMap((o) => requiredNodeLabels(o)),
    ),
  ];
}

/** Applies the agents, plays KMM's ready label on the real node, waits for every DaemonSet. */
export async function startNodeAgents(agents: NodeAgents): Promise<void> {
  await kubectl(['apply', '-n', agents.namespace, '-f', '-'], {
    input: agents.objects.map((o) => JSON.stringify(o)).join('\n'),
  });
  const labels = kmmLabels(agents);
  if (labels.length > 0)
    await kubectl(['label', 'node', realNodeName, '--overwrite', ...labels.map((k) => `${k}=`)]);
  for (const ds of agents.objects.filter((o) => o.kind === 'DaemonSet')) {
    const name = ds.metadata.name;
    await kubectl([
      'rollout',
      'status',
      `daemonset/${name}`,
      '-n',
      agents.namespace,
      '--timeout=180s',
    ]);
  }
}

export async function stopNodeAgents(agents: NodeAgents): Promise<void> {
  await kubectl(['delete', '-n', agents.namespace, '-f', '-', '--ignore-not-found', '--wait'], {
    input: agents.objects.map((o) => JSON.stringify(o)).join('\n'),
    allowFailure: true,
  });
  const labels = kmmLabels(agents);
  if (labels.length > 0)
    await kubectl(['label', 'node', realNodeName, ...labels.map((k) => `${k}-`)], {
      allowFailure: true,
    });
}

interface PodJson {
  metadata: { uid: string; name: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string };
}

/** A Running pod with an IP of `component` in `namespace`, if there is one. */
export async function runningPod(
  namespace: string,
  component: string,
): Promise<PodJson | undefined> {
  const pods = await kubectlJson<{ items: PodJson[] }>([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    `${componentLabel}=${component}`,
  ]);
  return pods.items.find((p) => p.status.phase === 'Running' && p.status.podIP);
}

/** The Running pod of a component of the agents on the real node. */
export async function agentPod(agents: NodeAgents, of: string): Promise<PodJson> {
  const pod = await runningPod(agents.namespace, of);
  if (!pod || pod.spec.nodeName !== realNodeName)
    throw new Error(`no Running ${of} pod on ${realNodeName} in ${agents.namespace}`);
  return pod;
}

/** Where the real node's kubelet keeps a pod's emptyDir volume on this host. */
export function emptyDirOnHost(podUid: string, volume: string): string {
  return join(
    realNodePaths(testbed().stateDir).kubeletRoot,
    'pods',
    podUid,
    'volumes',
    'kubernetes.io~empty-dir',
    volume,
  );
}
