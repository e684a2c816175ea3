// pre-delete: before Helm removes the driver, every pod that uses it leaves every node and KMM
// unloads it, while the Modules and their ServiceAccount still exist (KMM's unload pods need
// both). Every node paused (the device plugin leaves, amd.com/onload is no longer offered) →
// consumers evicted from every node → then per node: onload label removed → onload unloaded →
// sfc label removed → sfc unloaded.
// No pod is evicted before the phase has checked that no budget would refuse (drain-budgets.ts).
// Evictions are bounded by devicePluginStop + eviction timeouts (`force` deletes the rest);
// unloading by driverReloadSeconds more, after which the nodes are reported, not failed.
import type { PodView } from '../kube/port.ts';
import type { NodeChange, NodeFacts } from '../model/node-facts.ts';
import { consumers, podKey } from '../model/pods.ts';
import { nextEvictionAt } from './node-evict.ts';
import type { Policy } from './policy.ts';
import type { Action, EvictionRecord } from './types.ts';
import { helmRecovery, restoredNote } from './uninstall-refusal.ts';

export interface DrainInput {
  readonly now: number;
  readonly startedAt: number;
  readonly policy: Policy;
  /** Every node of the release, as read at the start of this round. */
  readonly nodes: readonly NodeFacts[];
  /** Pods per node, once observed. */
  readonly nodePods: ReadonlyMap<string, readonly PodView[]>;
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
  /** The phase found no budget that would refuse an eviction (drain-budgets.ts), or force is on. */
  readonly budgetsChecked: boolean;
}

export interface DrainPlan {
  readonly actions: readonly Action[];
  /** Pods still to go, by node. */
  readonly remaining: ReadonlyMap<string, readonly PodView[]>;
  /** Nodes where KMM still has a module loaded (or labelled to be). */
  readonly unloading: readonly string[];
  readonly done: boolean;
  /** Every node paused and observed, pods to evict: the phase checks the budgets before any eviction. */
  readonly checkBudgets?: boolean;
  /** Pods that could not be evicted in time: the uninstall must not go on. */
  readonly failure?: string;
  /** Unloading took too long: reported, the uninstall goes on (deleting the Modules unloads too). */
  readonly warning?: string;
  readonly wakeAt?: number;
}

interface Limits {
  /** Evictions end (devicePluginStop + eviction timeouts from the start). */
  readonly evict: number;
  /** Forced deletions end (one more eviction timeout). */
  readonly force: number;
  /** Unloading ends (driverReload timeout after the evictions or deletions). */
  readonly unload: number;
}

function limitsOf(input: DrainInput): Limits {
  const { policy } = input;
  const t = policy.timeouts;
  const evict = input.startedAt + (t.devicePluginStopSeconds + t.evictionSeconds) * 1000;
  const force = evict + t.evictionSeconds * 1000;
  const unload = (policy.eviction.force ? force : evict) + t.driverReloadSeconds * 1000;
  return { evict, force, unload };
}

/** What one round found on the nodes. */
interface Found {
  readonly remaining: Map<string, readonly PodView[]>;
  readonly unloading: string[];
  readonly actions: Action[];
  /** Every node paused and its pods observed. */
  observed: boolean;
  wakeAt: number | undefined;
}

export function planDrain(input: DrainInput): DrainPlan {
  const { now, policy } = input;
  const limits = limitsOf(input);
  const found: Found = {
    remaining: new Map(),
    unloading: [],
    actions: [],
    observed: true,
    wakeAt: [limits.evict, limits.force, limits.unload].find((limit) => limit > now),
  };
  for (const node of input.nodes) drainNode(input, limits, node, found);
  const { remaining, unloading } = found;
  if (!input.budgetsChecked && found.observed && remaining.size > 0)
    return { actions: [], remaining, unloading, done: false, checkBudgets: true };
  const evicted = found.observed && remaining.size === 0;
  // All or nothing: no driver is unloaded until no pod uses Onload on any node, so an uninstall
  // refused for pods that cannot be evicted leaves every driver in place.
  if (evicted) found.actions.push(...unloadActions(input.nodes));
  const overdue = policy.eviction.force ? now >= limits.force : now >= limits.evict;
  if (found.observed && remaining.size > 0 && overdue) {
    return {
      actions: [],
      remaining,
      unloading,
      done: false,
      failure: refusal(input, remaining),
    };
  }
  if (evicted && unloading.length > 0 && now >= limits.unload) {
    return {
      actions: [],
      remaining,
      unloading,
      done: true,
      warning: `KMM did not unload onload/sfc within ${policy.timeouts.driverReloadSeconds}s on ${unloading.join(', ')}; deleting the Modules retries it (check the KMM worker pods in ${policy.namespace})`,
    };
  }
  return {
    actions: bareLast(found.actions, remaining),
    remaining,
    unloading,
    done: evicted && unloading.length === 0 && found.actions.length === 0,
    ...(found.wakeAt !== undefined ? { wakeAt: found.wakeAt } : {}),
  };
}

/** Pause the node, else evict (or, when forced and late, delete) its consumers, else note its driver. */
function drainNode(input: DrainInput, limits: Limits, node: NodeFacts, found: Found): void {
  const { policy } = input;
  if (!node.paused) {
    found.actions.push(patch(node, { paused: true }, 'pause for the uninstall'));
    found.observed = false;
    return;
  }
  const pods = input.nodePods.get(node.name);
  if (pods === undefined) {
    found.observed = false;
    return;
  }
  const left = consumers(pods, node.name, policy.eviction.extra);
  if (left.length > 0) {
    found.remaining.set(node.name, left);
    if (!input.budgetsChecked) return;
    for (const pod of left) if (!pod.deleting) removePod(input, limits, node, pod, found);
    return;
  }
  const { onload, sfc } = node.modules;
  if (onload.label !== undefined || onload.ready || sfc.label !== undefined || sfc.ready)
    found.unloading.push(node.name);
}

function removePod(
  input: DrainInput,
  limits: Limits,
  node: NodeFacts,
  pod: PodView,
  found: Found,
): void {
  const { now, policy, evictions } = input;
  const target = { namespace: pod.namespace, name: pod.name, uid: pod.uid };
  const record = evictions.get(pod.uid);
  if (now >= limits.evict && policy.eviction.force) {
    if (record?.outcome !== 'deleted')
      found.actions.push({
        kind: 'delete-pod',
        node: node.name,
        pod: target,
        why: 'uninstall: upgrade.eviction.force after the eviction timeout',
      });
    return;
  }
  const retryAt = nextEvictionAt(record, now);
  if (retryAt <= now) found.actions.push({ kind: 'evict', node: node.name, pod: target });
  else found.wakeAt = Math.min(found.wakeAt ?? retryAt, retryAt);
}

/**
 * A pod without a controller is gone for good once evicted: it is evicted only when no other pod
 * is left, so a refusal that only shows during the evictions never costs one.
 */
function bareLast(actions: Action[], remaining: ReadonlyMap<string, readonly PodView[]>): Action[] {
  const pods = [...remaining.values()].flat();
  if (pods.every((p) => p.owner === undefined)) return actions;
  const bare = new Set(pods.filter((p) => p.owner === undefined).map((p) => p.uid));
  return actions.filter((a) => a.kind !== 'evict' || !bare.has(a.pod.uid));
}

/** Per node: onload's label goes first; sfc's once onload is unloaded. */
function unloadActions(nodes: readonly NodeFacts[]): Action[] {
  return nodes.flatMap((node) => {
    const { onload, sfc } = node.modules;
    if (onload.label !== undefined)
      return [patch(node, { versions: { onload: null } }, 'unload onload')];
    if (!onload.ready && sfc.label !== undefined)
      return [patch(node, { versions: { sfc: null } }, 'unload sfc')];
    return [];
  });
}

function refusal(input: DrainInput, remaining: ReadonlyMap<string, readonly PodView[]>): string {
  const list = [...remaining.values()]
    .flat()
    .map((p) => {
      const r = input.evictions.get(p.uid);
      const why = p.deleting
        ? 'terminating'
        : r?.outcome === 'blocked'
          ? `blocked by PodDisruptionBudget ${r.budgets?.join(', ') || '(unknown)'}`
          : (r?.message ?? 'not evicted');
      return `${podKey(p)} on ${p.nodeName} (${why})`;
    })
    .join(', ');
  const restore = planRestore(input.nodes);
  return `pods using amd.com/onload could not be evicted before uninstalling the driver: ${list}. Nothing was uninstalled${restoredNote(restore.length)}. Move them away (or relax their PodDisruptionBudgets, or set upgrade.eviction.force=true) and uninstall again; helm uninstall --no-hooks skips this and unloads the driver under them. ${helmRecovery(input.policy)}`;
}

/**
 * A refused uninstall must leave the cluster serving: unpause the nodes whose driver it has not
 * touched yet (onload still labelled) and that are not mid-rollout or failed.
 */
export function planRestore(nodes: readonly NodeFacts[]): Action[] {
  return nodes.flatMap((node) => {
    const untouched = node.modules.onload.label !== undefined;
    const rolloutOwned = node.state !== undefined && node.state !== 'upgrade-done';
    return node.paused && untouched && !rolloutOwned
      ? [patch(node, { paused: false }, 'uninstall refused: resume the device plugin')]
      : [];
  });
}

function patch(node: NodeFacts, change: NodeChange, note: string): Action {
  return {
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    change,
    note,
  };
}
