// Validating a node after its driver reload: the device plugin and control plane Ready with the
// new userland and amd.com/onload allocatable; stale not-Ready pods of another userland are
// recreated.
import type { NodeChange } from '../model/node-facts.ts';
import { checkServices } from './driver.ts';
import { target, type Decision, type NodeInput } from './node-decision.ts';

export function validate(input: NodeInput): Decision {
  const { policy, node } = input;
  const ref = { namespace: policy.namespace, release: policy.release };
  const check = checkServices(node, input.releasePods, ref, policy.desiredVersion);
  if (check.ok) {
    return {
      state: 'upgrade-done',
      step: `running onload ${policy.desiredVersion}`,
      change: clearedBookkeeping,
    };
  }
  const seconds = policy.timeouts.validationSeconds;
  return {
    state: 'validating',
    step: `waiting for ${check.missing.join(', ')}`,
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
