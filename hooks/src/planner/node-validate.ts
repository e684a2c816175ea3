// Validating a node after its driver reload: the device plugin and control plane Ready with the
// new userland and amd.com/onload allocatable; stale not-Ready pods of another userland are
// recreated.
import { nodeAnnotation } from '../contract.ts';
import { checkServices } from './driver.ts';
import { target, type Decision, type NodeInput, type Ops } from './node-decision.ts';

export function validate(input: NodeInput): Decision {
  const { policy, node } = input;
  const ref = { namespace: policy.namespace, release: policy.release };
  const check = checkServices(node, input.releasePods, ref, policy.desiredVersion);
  if (check.ok) {
    return {
      state: 'upgrade-done',
      step: `running onload ${policy.desiredVersion}`,
      annotations: clearedBookkeeping(policy.namespace),
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

export function clearedBookkeeping(namespace: string): Ops {
  return {
    [nodeAnnotation(namespace, 'reason')]: null,
    [nodeAnnotation(namespace, 'message')]: null,
    [nodeAnnotation(namespace, 'unloaded')]: null,
    [nodeAnnotation(namespace, 'retried')]: null,
  };
}
