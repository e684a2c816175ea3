// What `kubectl onload status` reports: the Onload resource and the release's nodes read through
// the node contract, and the same as a plain document for -o json|yaml. Pure.
import type { OnloadStatus } from '../../hooks/generated/onload-types.ts';
import { pauseAnnotation, type ModuleKey, type NodeState } from '../../hooks/src/contract.ts';
import type { NodeView, OnloadView } from '../../hooks/src/kube/port.ts';
import { fromMap, matches } from '../../hooks/src/kube/selectors.ts';
import { formatTime, readNodeFacts, type NodeFacts } from '../../hooks/src/model/node-facts.ts';

export interface NodeStatus {
  readonly node: NodeView;
  readonly facts: NodeFacts;
}

export interface Status {
  readonly namespace: string;
  readonly onload: OnloadView;
  /** The pause annotation is set: the rollout starts no more nodes. */
  readonly paused: boolean;
  /** Nodes the release's selector picks or that carry its labels, by name. */
  readonly nodes: readonly NodeStatus[];
}

export function buildStatus(
  namespace: string,
  onload: OnloadView,
  nodes: readonly NodeView[],
): Status {
  const selector = fromMap(onload.selector ?? {});
  const ours = nodes
    .map((node) => ({ node, facts: readNodeFacts(node, namespace) }))
    .filter(({ node, facts }) => matches(selector, node.labels) || facts.carried.length > 0)
    .sort((a, b) => a.node.name.localeCompare(b.node.name));
  return {
    namespace,
    onload,
    paused: onload.annotations[pauseAnnotation] === 'true',
    nodes: ours,
  };
}

export interface ModuleDocument {
  /** The version KMM must run (our version label). */
  readonly desired?: string;
  /** The version KMM reports loaded (KMM >= 2.5). */
  readonly loaded?: string;
  /** KMM reports the module loaded. */
  readonly ready: boolean;
}

export interface NodeDocument {
  readonly name: string;
  readonly state?: NodeState;
  readonly since?: string;
  readonly target?: string;
  readonly modules: Readonly<Record<ModuleKey, ModuleDocument>>;
  /** The rollout paused the node's device plugin and control plane. */
  readonly paused: boolean;
  /** Labelled onload.amd.com/upgrade-skip=true. */
  readonly skip: boolean;
  readonly failure?: { readonly reason: string; readonly message?: string };
  readonly ready: boolean;
  readonly unschedulable: boolean;
  readonly onloadDevices: number;
}

export interface StatusDocument {
  readonly name: string;
  readonly namespace: string;
  readonly paused: boolean;
  readonly status: OnloadStatus;
  readonly nodes: readonly NodeDocument[];
}

/** The failure a node reports while it is upgrade-failed. */
export function failureOf(facts: NodeFacts): NodeDocument['failure'] {
  if (facts.state !== 'upgrade-failed') return undefined;
  return {
    reason: facts.reason ?? 'Unknown',
    ...(facts.message !== undefined ? { message: facts.message } : {}),
  };
}

function moduleDocument(facts: NodeFacts, module: ModuleKey): ModuleDocument {
  const m = facts.modules[module];
  return {
    ...(m.label !== undefined ? { desired: m.label } : {}),
    ...(m.versionReady !== undefined ? { loaded: m.versionReady } : {}),
    ready: m.ready,
  };
}

function nodeDocument({ node, facts }: NodeStatus): NodeDocument {
  const failure = failureOf(facts);
  return {
    name: node.name,
    ...(facts.state !== undefined ? { state: facts.state } : {}),
    ...(facts.since !== undefined ? { since: formatTime(facts.since) } : {}),
    ...(facts.target !== undefined ? { target: facts.target } : {}),
    modules: { onload: moduleDocument(facts, 'onload'), sfc: moduleDocument(facts, 'sfc') },
    paused: facts.paused,
    skip: facts.skip,
    ...(failure ? { failure } : {}),
    ready: node.ready,
    unschedulable: node.unschedulable,
    onloadDevices: node.onloadAllocatable,
  };
}

export function statusDocument(s: Status): StatusDocument {
  return {
    name: s.onload.name,
    namespace: s.namespace,
    paused: s.paused,
    status: s.onload.status ?? {},
    nodes: s.nodes.map(nodeDocument),
  };
}
