// The rollout's view of each selected node: its facts, whether it is a canary, and its category
// (done, active, pending, ...) derived from its labels and its pods, in upgrade order.
import type { NodeView, PodView } from '../kube/port.ts';
import { isInProgressState, type NodeFacts } from '../model/node-facts.ts';
import { checkServices, driverMissing, labelsAtTarget } from './driver.ts';
import { upgradeOrder } from './order.ts';
import type { Policy } from './policy.ts';
import type { NodeCategory, RolloutSnapshot, SelectedNode } from './types.ts';

export interface Entry {
  readonly node: NodeView;
  readonly facts: NodeFacts;
  readonly canary: boolean;
  category: NodeCategory;
  step: string;
}

export interface Entries {
  /** In upgrade order. */
  readonly entries: Entry[];
  /** This release's pods on a node. */
  readonly releasePodsOn: (node: string) => readonly PodView[];
}

export function nodeEntries(s: RolloutSnapshot, policy: Policy): Entries {
  const { order, canaries } = upgradeOrder(
    s.nodes.map((n) => n.view),
    policy,
  );
  const byName = new Map(s.nodes.map((n) => [n.view.name, n]));
  // Indexed once: looking each node's pods up in the whole list made a plan O(nodes × pods).
  const releasePodsByNode = groupByNode(s.releasePods);
  const releasePodsOn = (name: string): readonly PodView[] => releasePodsByNode.get(name) ?? [];
  const entries: Entry[] = order.map((name) => {
    const { view: node, facts } = byName.get(name) as SelectedNode;
    const category = classify(node, facts, s, policy, releasePodsOn(name));
    return { node, facts, canary: canaries.has(name), category, step: '' };
  });
  return { entries, releasePodsOn };
}

/**
 * Whether a rollout evicts from this node, as classify decides: a node carrying the skip label is
 * left alone unless its upgrade is already under way.
 */
export function rolloutEvicts(facts: NodeFacts, policy: Policy): boolean {
  if (facts.state === 'upgrade-failed') return !facts.skip;
  if (facts.paused || isInProgressState(facts.state)) return true;
  return facts.modules.onload.label !== undefined && !labelsAtTarget(facts, policy) && !facts.skip;
}

function classify(
  node: NodeView,
  facts: NodeFacts,
  s: RolloutSnapshot,
  policy: Policy,
  releasePods: readonly PodView[],
): NodeCategory {
  const failedState = facts.state === 'upgrade-failed';
  if (failedState && (facts.since ?? Number.NEGATIVE_INFINITY) >= s.runStartedAt) return 'failed';
  if (!failedState && (facts.paused || isInProgressState(facts.state))) return 'active';
  if (failedState) return facts.skip ? 'skipped' : 'retry';
  if (!labelsAtTarget(facts, policy)) {
    if (facts.skip) return 'skipped';
    return node.ready && !node.unschedulable ? 'pending' : 'deferred';
  }
  return serving(node, facts, policy, releasePods) ? 'done' : 'waiting';
}

function serving(
  node: NodeView,
  facts: NodeFacts,
  policy: Policy,
  releasePods: readonly PodView[],
): boolean {
  return (
    driverMissing(facts, policy).length === 0 &&
    checkServices(node, releasePods, policy, policy.desiredVersion).ok
  );
}

function groupByNode(pods: readonly PodView[]): Map<string, PodView[]> {
  const byNode = new Map<string, PodView[]>();
  for (const pod of pods) {
    const list = byNode.get(pod.nodeName);
    if (list) list.push(pod);
    else byNode.set(pod.nodeName, [pod]);
  }
  return byNode;
}

export function describeLabels(facts: NodeFacts): string {
  return `onload ${facts.modules.onload.label ?? 'unlabelled'}`;
}

/** Nodes that still need an upgrade and have not started. */
export function isLeft(e: Entry): boolean {
  return e.category === 'pending' || e.category === 'retry' || e.category === 'deferred';
}
