// pre-delete: before Helm removes the driver, every pod that uses it leaves every node and KMM
// unloads it, while the Modules and their ServiceAccount still exist (KMM's unload pods need
// both). Every node paused (the device plugin leaves, amd.com/onload is no longer offered) →
// consumers evicted from every node → then per node: onload label removed → onload unloaded →
// sfc label removed → sfc unloaded.
// Evictions are bounded by devicePluginStop + eviction timeouts (`force` deletes the rest);
// unloading by driverReloadSeconds more, after which the nodes are reported, not failed.
import { kmmVersionLabel, moduleNames, pausedLabel } from '../contract.ts';
import type { NodeView, PodView } from '../kube/port.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { consumers, podKey } from '../model/pods.ts';
import { nextEvictionAt } from './node-rollout.ts';
import type { Policy } from './policy.ts';
import type { Action, EvictionRecord } from './types.ts';

export interface DrainInput {
  readonly now: number;
  readonly startedAt: number;
  readonly policy: Policy;
  readonly nodes: readonly NodeView[];
  /** Pods per node, once observed. */
  readonly nodePods: ReadonlyMap<string, readonly PodView[]>;
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
}

export interface DrainPlan {
  readonly actions: readonly Action[];
  /** Pods still to go, by node. */
  readonly remaining: ReadonlyMap<string, readonly PodView[]>;
  /** Nodes where KMM still has a module loaded (or labelled to be). */
  readonly unloading: readonly string[];
  readonly done: boolean;
  /** Pods that could not be evicted in time: the uninstall must not go on. */
  readonly failure?: string;
  /** Unloading took too long: reported, the uninstall goes on (deleting the Modules unloads too). */
  readonly warning?: string;
  readonly wakeAt?: number;
}

export function planDrain(input: DrainInput): DrainPlan {
  const { now, policy, evictions } = input;
  const t = policy.timeouts;
  const evictLimit = input.startedAt + (t.devicePluginStopSeconds + t.evictionSeconds) * 1000;
  const forceLimit = evictLimit + t.evictionSeconds * 1000;
  const unloadLimit =
    (policy.eviction.force ? forceLimit : evictLimit) + t.driverReloadSeconds * 1000;
  const ns = policy.namespace;
  const remaining = new Map<string, readonly PodView[]>();
  const unloading: string[] = [];
  const actions: Action[] = [];
  let observed = true;
  let wakeAt: number | undefined = [evictLimit, forceLimit, unloadLimit].find(
    (limit) => limit > now,
  );
  const wake = (at: number): void => {
    wakeAt = Math.min(wakeAt ?? at, at);
  };

  for (const node of input.nodes) {
    const f = readNodeFacts(node, ns);
    if (!f.paused) {
      actions.push(patch(node, { [pausedLabel(ns)]: 'true' }, 'pause for the uninstall'));
      observed = false;
      continue;
    }
    const pods = input.nodePods.get(node.name);
    if (pods === undefined) {
      observed = false;
      continue;
    }
    const left = consumers(pods, node.name, policy.eviction.extra);
    if (left.length > 0) {
      remaining.set(node.name, left);
      for (const pod of left) {
        if (pod.deleting) continue;
        const target = { namespace: pod.namespace, name: pod.name, uid: pod.uid };
        const record = evictions.get(pod.uid);
        if (now >= evictLimit && policy.eviction.force) {
          if (record?.outcome !== 'deleted')
            actions.push({
              kind: 'delete-pod',
              node: node.name,
              pod: target,
              why: 'uninstall: upgrade.eviction.force after the eviction timeout',
            });
          continue;
        }
        const retryAt = nextEvictionAt(record, now);
        if (retryAt <= now) actions.push({ kind: 'evict', node: node.name, pod: target });
        else wake(retryAt);
      }
      continue;
    }
    const { onload, sfc } = f.modules;
    if (onload.label !== undefined || onload.ready || sfc.label !== undefined || sfc.ready)
      unloading.push(node.name);
  }

  const evicted = observed && remaining.size === 0;
  // All or nothing: no driver is unloaded until no pod uses Onload on any node, so an uninstall
  // refused for pods that cannot be evicted leaves every driver in place.
  if (evicted) {
    for (const node of input.nodes) {
      const { onload, sfc } = readNodeFacts(node, ns).modules;
      if (onload.label !== undefined)
        actions.push(
          patch(node, { [kmmVersionLabel(ns, moduleNames.onload)]: null }, 'unload onload'),
        );
      else if (!onload.ready && sfc.label !== undefined)
        actions.push(patch(node, { [kmmVersionLabel(ns, moduleNames.sfc)]: null }, 'unload sfc'));
    }
  }
  const overdue = policy.eviction.force ? now >= forceLimit : now >= evictLimit;
  if (observed && remaining.size > 0 && overdue) {
    const list = [...remaining.values()]
      .flat()
      .map((p) => {
        const r = evictions.get(p.uid);
        const why = p.deleting
          ? 'terminating'
          : r?.outcome === 'blocked'
            ? `blocked by PodDisruptionBudget ${r.budgets?.join(', ') || '(unknown)'}`
            : (r?.message ?? 'not evicted');
        return `${podKey(p)} on ${p.nodeName} (${why})`;
      })
      .join(', ');
    const restore = planRestore(input.nodes, ns);
    return {
      actions: [],
      remaining,
      unloading,
      done: false,
      failure: `pods using amd.com/onload could not be evicted before uninstalling the driver: ${list}. Nothing was uninstalled${restore.length > 0 ? `; the device plugin returns to ${restore.length} node(s)` : ''}. Move them away (or relax their PodDisruptionBudgets, or set upgrade.eviction.force=true) and uninstall again; helm uninstall --no-hooks skips this and unloads the driver under them.`,
    };
  }
  if (evicted && unloading.length > 0 && now >= unloadLimit) {
    return {
      actions: [],
      remaining,
      unloading,
      done: true,
      warning: `KMM did not unload onload/sfc within ${t.driverReloadSeconds}s on ${unloading.join(', ')}; deleting the Modules retries it (check the KMM worker pods in ${ns})`,
    };
  }
  return {
    actions,
    remaining,
    unloading,
    done: evicted && unloading.length === 0 && actions.length === 0,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
  };
}

/**
 * A refused uninstall must leave the cluster serving: unpause the nodes whose driver it has not
 * touched yet (onload still labelled) and that are not mid-rollout or failed.
 */
export function planRestore(nodes: readonly NodeView[], ns: string): Action[] {
  return nodes.flatMap((node) => {
    const f = readNodeFacts(node, ns);
    const untouched = f.modules.onload.label !== undefined;
    const rolloutOwned = f.state !== undefined && f.state !== 'upgrade-done';
    return f.paused && untouched && !rolloutOwned
      ? [patch(node, { [pausedLabel(ns)]: null }, 'uninstall refused: resume the device plugin')]
      : [];
  });
}

function patch(node: NodeView, labels: Record<string, string | null>, note: string): Action {
  return {
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    labels,
    annotations: {},
    note,
  };
}
