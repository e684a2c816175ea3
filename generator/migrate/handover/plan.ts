// The handover from the Go Onload Operator to this chart, planned from what the cluster holds.
// Node by node, like an upgrade: the operator's device plugin leaves the node, the pods using
// Onload are evicted, KMM unloads the operator's Modules there and loads the chart's. Every other
// node keeps its driver and device plugin meanwhile. Pure: the same state always gives the same
// plan, and a rerun after an interruption resumes where it stopped.
import { kmmReadyLabel, kmmVersionLabel, moduleNames } from '../../../hooks/src/contract.ts';
import type { OperatorNames } from './names.ts';

export interface NodeState {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pods on the node that use Onload (request amd.com/onload), as namespace/name. */
  readonly consumers: readonly string[];
}

export interface ClusterState {
  readonly namespace: string;
  readonly cr: string;
  readonly names: OperatorNames;
  /** Operator Deployments with replicas > 0, as namespace/name. */
  readonly operatorRunning: readonly string[];
  readonly crExists: boolean;
  /** The installed Onload CRD is not this chart's (it would prune the chart's fields). */
  readonly crdOutdated: boolean;
  /** Operator Modules and DaemonSet that still exist. */
  readonly operatorObjects: readonly string[];
  /** The chart's Modules' versions; undefined while the chart is not installed. */
  readonly chart?: { readonly onload: string; readonly sfc?: string };
  readonly nodes: readonly NodeState[];
}

export type NodeAction =
  | 'stop-operator-device-plugin'
  | 'evict'
  | 'unload-operator-modules'
  | 'load-chart-modules'
  | 'wait-chart-device-plugin';

export interface NodeHandover {
  readonly node: string;
  readonly runs: string;
  readonly actions: readonly NodeAction[];
  readonly consumers: readonly string[];
  readonly text: string;
}

export type Step =
  | { readonly kind: 'orphan-cr'; readonly text: string }
  | { readonly kind: 'replace-crd'; readonly text: string }
  | { readonly kind: 'install-chart'; readonly text: string }
  | { readonly kind: 'node'; readonly text: string; readonly handover: NodeHandover }
  | { readonly kind: 'delete-operator-objects'; readonly text: string }
  | { readonly kind: 'upgrade-chart'; readonly text: string };

export interface Plan {
  /** Why nothing may start yet; empty when the plan can run. */
  readonly blockers: readonly string[];
  readonly steps: readonly Step[];
}

/** Nodes the operator labelled, or that are between the two owners. */
function inHandover(node: NodeState, state: ClusterState): boolean {
  const { names } = state;
  return [names.gateLabel, names.onloadVersionLabel, names.sfcVersionLabel].some((k) =>
    Object.hasOwn(node.labels, k),
  );
}

/** Nodes handed over whose chart driver is not loaded yet (a run stopped there). */
function loading(node: NodeState, state: ClusterState): boolean {
  const { namespace } = state;
  return (
    Object.hasOwn(node.labels, kmmVersionLabel(namespace, moduleNames.onload)) &&
    !Object.hasOwn(node.labels, kmmReadyLabel(namespace, moduleNames.onload))
  );
}

export function nodeActions(node: NodeState, state: ClusterState): NodeAction[] {
  const { names, namespace } = state;
  const has = (key: string): boolean => Object.hasOwn(node.labels, key);
  const actions: NodeAction[] = [];
  if (has(names.gateLabel)) actions.push('stop-operator-device-plugin');
  if (has(names.onloadVersionLabel) || has(names.sfcVersionLabel)) {
    actions.push('evict', 'unload-operator-modules');
  }
  if (!has(kmmVersionLabel(namespace, moduleNames.onload))) actions.push('load-chart-modules');
  actions.push('wait-chart-device-plugin');
  return actions;
}

function describeNode(node: NodeState, state: ClusterState, actions: NodeAction[]): string {
  const { names } = state;
  const chart = state.chart;
  const target = chart
    ? `onload ${chart.onload}${chart.sfc !== undefined ? ` and sfc ${chart.sfc}` : ''}`
    : 'the chart';
  const parts: string[] = [];
  for (const action of actions) {
    switch (action) {
      case 'stop-operator-device-plugin':
        parts.push(`remove ${names.gateLabel} so ${names.daemonSet} leaves the node`);
        break;
      case 'evict':
        parts.push(
          node.consumers.length === 0
            ? 'evict the pods using amd.com/onload (none now)'
            : `evict ${String(node.consumers.length)} pod(s) using amd.com/onload (${node.consumers.join(', ')})`,
        );
        break;
      case 'unload-operator-modules':
        parts.push(
          `remove the KMM labels of ${names.onloadModule}/${names.sfcModule} and wait until KMM has unloaded them`,
        );
        break;
      case 'load-chart-modules':
        parts.push(
          `label the node for the chart's Modules (${target}) and wait until KMM has loaded them`,
        );
        break;
      case 'wait-chart-device-plugin':
        parts.push("wait until the chart's device plugin is Ready on the node");
        break;
    }
  }
  return parts.join('; ');
}

function runs(node: NodeState, state: ClusterState): string {
  const { names, namespace } = state;
  const operator = node.labels[names.onloadVersionLabel];
  const chart = node.labels[kmmVersionLabel(namespace, moduleNames.onload)];
  if (operator !== undefined) return `operator onload ${operator}`;
  if (chart !== undefined) return `chart onload ${chart}`;
  return 'no Onload driver';
}

export function planHandover(state: ClusterState): Plan {
  const blockers: string[] = [];
  if (state.operatorRunning.length > 0)
    blockers.push(
      `the Go Onload Operator still runs (${state.operatorRunning.join(', ')}): it would put its labels back. ` +
        'Uninstall the operator only (OLM: delete its Subscription and ClusterServiceVersion; kustomize: delete the Deployment). ' +
        'Its CRD, the Onload resource and the Modules and DaemonSet it created stay, so every node keeps its driver.',
    );
  const steps: Step[] = [];
  if (state.crExists)
    steps.push({
      kind: 'orphan-cr',
      text: `delete Onload ${state.namespace}/${state.cr} leaving what it owns (orphan): its Modules and DaemonSet stay and keep serving, and the name is free for the chart`,
    });
  if (state.crdOutdated)
    steps.push({
      kind: 'replace-crd',
      text: "replace the Onload CRD left by the operator with the chart's (Helm 3 never updates an existing CRD: the chart's fields and status would be pruned)",
    });
  if (state.chart === undefined)
    steps.push({
      kind: 'install-chart',
      text: `helm install the chart into ${state.namespace} with --no-hooks --set labeller.enabled=false (nothing is loaded yet: no node carries the chart's KMM labels), then run this command again`,
    });
  const nodes = state.nodes
    .filter((n) => inHandover(n, state) || loading(n, state))
    .toSorted((a, b) => a.name.localeCompare(b.name));
  for (const node of nodes) {
    const actions = nodeActions(node, state);
    const handover: NodeHandover = {
      node: node.name,
      runs: runs(node, state),
      actions,
      consumers: node.consumers,
      text: describeNode(node, state, actions),
    };
    steps.push({
      kind: 'node',
      text: `node ${node.name} (${handover.runs}): ${handover.text}`,
      handover,
    });
  }
  if (state.operatorObjects.length > 0)
    steps.push({
      kind: 'delete-operator-objects',
      text: `delete ${state.operatorObjects.join(', ')} (no node uses them any more)`,
    });
  steps.push({
    kind: 'upgrade-chart',
    text: 'helm upgrade the release with its hooks and labeller (labeller.enabled=true): the pre hook checks that nothing of the operator is left',
  });
  return { blockers, steps };
}

/** The plan as printed: numbered steps, blockers first. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const b of plan.blockers) lines.push(`blocked: ${b}`);
  plan.steps.forEach((step, i) => lines.push(`${String(i + 1).padStart(2)}. ${step.text}`));
  return lines.join('\n');
}
