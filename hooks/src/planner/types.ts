// What the rollout planner reads (a snapshot) and what it decides (actions, reports, an outcome).
import type { NodeState } from '../contract.ts';
import type { NodeChange, NodeFacts } from '../model/node-facts.ts';
import type { ModuleView, NmcView, NodeView, PodRef, PodView } from '../kube/port.ts';

/** What the run remembers about its eviction / deletion calls (kept in memory, keyed by pod uid). */
export interface EvictionRecord {
  readonly at: number;
  readonly outcome: 'evicted' | 'blocked' | 'refused' | 'deleted';
  readonly budgets?: readonly string[];
  readonly message?: string;
}

/** A node as the planning round found it: the Node itself and its contract, read before planning. */
export interface SelectedNode {
  readonly view: NodeView;
  readonly facts: NodeFacts;
}

export interface RolloutSnapshot {
  readonly now: number;
  readonly runStartedAt: number;
  /** When the Job's activeDeadlineSeconds runs out (ms). */
  readonly deadlineAt: number;
  /** SIGTERM received: stop at a safe point. */
  readonly stopping: boolean;
  /** Nodes matching spec.selector. */
  readonly nodes: readonly SelectedNode[];
  /** Every pod on a node, for nodes whose pods are observed (see RolloutPlan.watchPods). */
  readonly nodePods: ReadonlyMap<string, readonly PodView[]>;
  /** This release's pods in its namespace (device plugin, control plane...), all nodes. */
  readonly releasePods: readonly PodView[];
  /** KMM worker pods in the namespace, all nodes. */
  readonly workerPods: readonly PodView[];
  /** NodeModulesConfig per node, for nodes asked for in RolloutPlan.fetchNmc; null: none exists. */
  readonly nmc: ReadonlyMap<string, NmcView | null>;
  readonly modules: { readonly onload?: ModuleView; readonly sfc?: ModuleView };
  readonly cr: { readonly paused: boolean; readonly canaryDone?: string };
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
}

export interface Transition {
  readonly node: string;
  readonly from?: NodeState;
  readonly to: NodeState;
  readonly message: string;
  readonly warning: boolean;
  /** A canary node's start. */
  readonly canary?: boolean;
}

export type PodTarget = PodRef & { readonly uid: string };

export type Action =
  | {
      readonly kind: 'patch-node';
      readonly node: string;
      readonly resourceVersion: string;
      /** Turned into labels and annotations by the node writer (runtime/node-writer.ts). */
      readonly change: NodeChange;
      readonly transition?: Transition;
      /** What the patch does, for logs. */
      readonly note: string;
    }
  | { readonly kind: 'evict'; readonly node: string; readonly pod: PodTarget }
  | {
      readonly kind: 'delete-pod';
      readonly node: string;
      readonly pod: PodTarget;
      readonly why: string;
    }
  | { readonly kind: 'pause-rollout'; readonly version: string; readonly message: string };

export type NodeCategory =
  /** At the desired version and serving. */
  | 'done'
  /** Being upgraded. */
  | 'active'
  /** Needs an upgrade, not started. */
  | 'pending'
  /** Failed in an earlier run; retried first when a slot is free. */
  | 'retry'
  /** Failed in this run. */
  | 'failed'
  /** Needs an upgrade but is NotReady or cordoned: not started. */
  | 'deferred'
  /** Needs an upgrade but carries the skip label. */
  | 'skipped'
  /** At the desired version, waiting for driver + device plugin (install, new node). */
  | 'waiting';

export interface NodeReport {
  readonly name: string;
  readonly category: NodeCategory;
  readonly state?: NodeState;
  /** Human-readable: what the node is doing or waiting for. */
  readonly step: string;
  readonly canary: boolean;
  readonly reason?: string;
  readonly since?: number;
  /** onload version KMM reports loaded (version.ready, else the label while .ready). */
  readonly loadedVersion?: string;
}

export interface FailedNode {
  readonly name: string;
  readonly reason: string;
  readonly message: string;
  readonly since?: number;
}

export type Outcome =
  | { readonly kind: 'complete'; readonly message: string }
  | { readonly kind: 'paused'; readonly left: number; readonly message: string }
  | {
      readonly kind: 'deadline';
      readonly left: number;
      readonly inFlight: readonly string[];
      readonly message: string;
    }
  | { readonly kind: 'stopped'; readonly left: number; readonly message: string }
  | {
      readonly kind: 'failed';
      readonly failed: readonly FailedNode[];
      readonly left: number;
      readonly message: string;
    }
  | { readonly kind: 'blocked'; readonly left: number; readonly message: string }
  | { readonly kind: 'superseded'; readonly message: string }
  | { readonly kind: 'install-timeout'; readonly message: string };

export interface RolloutPlan {
  readonly actions: readonly Action[];
  readonly reports: readonly NodeReport[];
  /** Nodes failed in this run (including those failing now). */
  readonly failures: readonly FailedNode[];
  /** Nodes whose pods must be observed (list + watch by spec.nodeName). */
  readonly watchPods: readonly string[];
  /** Nodes whose NodeModulesConfig must be read (KMM < 2.5 fallback). */
  readonly fetchNmc: readonly string[];
  /** Re-plan no later than this (a timeout or a retry falls due), even if nothing changes. */
  readonly wakeAt?: number;
  /** Set when the run should end (after executing `actions`). */
  readonly outcome?: Outcome;
}
