// Validating a node after its driver reload: the device plugin and control plane Ready with the
// new userland and amd.com/onload allocatable; stale not-Ready pods of another userland are
// recreated.
import type { NodeChange } from '../model/node-facts.ts';
import { nodeServicePods } from '../model/pods.ts';
import { checkServices, driverMissing } from './driver.ts';
import { nextStuckAt } from './init-step.ts';
import { target, type Decision, type NodeInput } from './node-decision.ts';

export function validate(input: NodeInput): Decision {
  const { policy, node, facts } = input;
  const ref = { namespace: policy.namespace, release: policy.release };
  // Validating starts once the new driver is loaded; a cordon can unload it again meanwhile.
  const driverLoaded =
    driverMissing(facts, policy).length === 0
      ? { now: input.now, ...(facts.since !== undefined ? { since: facts.since } : {}) }
      : undefined;
  const check = checkServices(node, input.releasePods, ref, policy.desiredVersion, driverLoaded);
  if (check.ok) {
    return {
      state: 'upgrade-done',
      step: `running onload ${policy.desiredVersion}`,
      change: clearedBookkeeping,
    };
  }
  const seconds = policy.timeouts.validationSeconds;
  const stuckAt =
    driverLoaded && nextStuckAt(nodeServicePods(input.releasePods, node.name, ref), driverLoaded);
  return {
    state: 'validating',
    step: `waiting for ${check.missing.join(', ')}`,
    ...(stuckAt ? { wakeAt: stuckAt } : {}),
    actions: check.stale.map((p) => ({
      kind: 'delete-pod' as const,
      node: node.name,
      pod: target(p),
      why: `not Ready and built for another userland version than ${policy.desiredVersion}`,
    })),
    timeout: {
      seconds,
      expire: () => ({
        state: 'validating',
        step: '',
        fail: {
          reason: 'ValidationTimeout',
          message: `not serving within ${seconds}s: ${check.missing.join(', ')}`,
        },
      }),
    },
  };
}

/** A node done with its rollout keeps only its state and since. */
export const clearedBookkeeping: NodeChange = { failure: null, unloaded: null, retried: null };
