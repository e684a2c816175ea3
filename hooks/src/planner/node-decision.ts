// One node's step, as the per-node state machine decides it: what it reads (NodeInput), what it
// decides (Decision: the state and the node change to write, pod actions, a bounded wait) and
// what the rollout gets back (NodeOutput).
import type { NodeState } from '../contract.ts';
import type { NmcView, NodeView, PodView } from '../kube/port.ts';
import type { NodeChange, NodeFacts } from '../model/node-facts.ts';
import type { Policy } from './policy.ts';
import type { Action, EvictionRecord, FailedNode, PodTarget } from './types.ts';

export interface NodeInput {
  readonly policy: Policy;
  readonly now: number;
  readonly node: NodeView;
  readonly facts: NodeFacts;
  /** All pods on the node; undefined until observed. */
  readonly pods: readonly PodView[] | undefined;
  readonly releasePods: readonly PodView[];
  readonly workerPods: readonly PodView[];
  readonly nmc: NmcView | null | undefined;
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
}

export interface NodeOutput {
  readonly actions: readonly Action[];
  /** The node's state once the actions are done. */
  readonly state: NodeState;
  readonly step: string;
  readonly wakeAt?: number;
  readonly needPods: boolean;
  readonly needNmc: boolean;
  readonly failure?: FailedNode;
}

export interface Decision {
  readonly state: NodeState;
  readonly step: string;
  /** Besides the state (and its `since`), which finalize adds. */
  readonly change?: NodeChange;
  /** Evictions / deletions, executed before the node patch. */
  readonly actions?: readonly Action[];
  /** A wait bounded by `seconds` from the state's `since`; `expire` says what happens after. */
  readonly timeout?: { readonly seconds: number; readonly expire: () => Decision };
  readonly wakeAt?: number;
  readonly needNmc?: boolean;
  readonly fail?: { readonly reason: string; readonly message: string };
}

export function target(p: PodView): PodTarget {
  return { namespace: p.namespace, name: p.name, uid: p.uid };
}
