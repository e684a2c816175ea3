// Evicting the pods that use Onload from a node: through the Eviction API, retried while a
// disruption budget refuses, re-sent when an accepted eviction does not take; after the timeout
// the node fails, or (upgrade.eviction.force) the pods are deleted and get one more timeout.
import type { PodView } from '../kube/port.ts';
import { podKey } from '../model/pods.ts';
import { target, type Decision, type NodeInput } from './node-decision.ts';
import type { Action, EvictionRecord } from './types.ts';

/** Retry evictions refused by a disruption budget this often. */
const evictionRetryMs = 5_000;
/** Re-send an accepted eviction if the pod is still not terminating after this long. */
const evictionResendMs = 30_000;

/** When a pod's eviction is (re)sent, given what became of the last one. */
export function nextEvictionAt(record: EvictionRecord | undefined, now: number): number {
  if (record === undefined) return now;
  const accepted = record.outcome === 'evicted' || record.outcome === 'deleted';
  return record.at + (accepted ? evictionResendMs : evictionRetryMs);
}
export function evict(input: NodeInput, pods: readonly PodView[]): Decision {
  const { now, policy, evictions } = input;
  const actions: Action[] = [];
  let wakeAt: number | undefined;
  for (const pod of pods) {
    if (pod.deleting) continue;
    const record = evictions.get(pod.uid);
    const retryAt = nextEvictionAt(record, now);
    if (retryAt <= now) actions.push({ kind: 'evict', node: input.node.name, pod: target(pod) });
    else wakeAt = Math.min(wakeAt ?? retryAt, retryAt);
  }
  const seconds = policy.timeouts.evictionSeconds;
  const describe = (): string => describePods(pods, evictions);
  const failed = (): Decision => ({
    state: 'evicting',
    step: '',
    fail: {
      reason: 'EvictionTimeout',
      message: `${pods.length} pod(s) still on the node after ${seconds}s of evictions: ${describe()}${
        policy.eviction.force
          ? ' (also after deleting them)'
          : '; set upgrade.eviction.force=true to delete them after the timeout, or resolve the budget'
      }`,
    },
  });
  return {
    state: 'evicting',
    step: `evicting ${pods.length} pod(s): ${describe()}`,
    actions,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    timeout: {
      seconds,
      expire: () =>
        policy.eviction.force
          ? {
              state: 'evicting',
              step: `deleting ${pods.length} pod(s) that eviction did not remove within ${seconds}s: ${describe()}`,
              actions: pods
                .filter((p) => !p.deleting && evictions.get(p.uid)?.outcome !== 'deleted')
                .map((p) => ({
                  kind: 'delete-pod' as const,
                  node: input.node.name,
                  pod: target(p),
                  why: `upgrade.eviction.force: not evicted within ${seconds}s`,
                })),
              timeout: { seconds: 2 * seconds, expire: failed },
            }
          : failed(),
    },
  };
}

/** Each pod still on a node being drained, with why it is still there. */
export function describePods(
  pods: readonly PodView[],
  evictions: ReadonlyMap<string, EvictionRecord>,
): string {
  return pods
    .map((p) => {
      const r = evictions.get(p.uid);
      let why = p.deleting ? 'terminating' : 'not evicted yet';
      if (!p.deleting && r?.outcome === 'blocked')
        why = `blocked by PodDisruptionBudget ${r.budgets && r.budgets.length > 0 ? r.budgets.join(', ') : '(unknown)'}${r.message ? `: ${r.message}` : ''}`;
      else if (!p.deleting && r?.outcome === 'refused')
        why = `eviction refused: ${r.message ?? ''}`;
      else if (!p.deleting && r?.outcome === 'evicted') why = 'evicted, not terminating yet';
      else if (!p.deleting && r?.outcome === 'deleted') why = 'deleted, not gone yet';
      const owner = p.owner ? ` owned by ${p.owner.kind} ${p.owner.name}` : '';
      return `${podKey(p)}${owner} (${why})`;
    })
    .join(', ');
}
