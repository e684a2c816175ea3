// What every phase derives from the release's configuration, computed once per process: the
// rollout policy and the label selector of the release's nodes (spec.selector).
import type { OnloadSpec } from '../../generated/onload-types.ts';
import { format, fromMap } from '../kube/selectors.ts';
import { policyFromSpec, type Policy } from '../planner/policy.ts';

export interface ReleaseContext {
  readonly policy: Policy;
  /** spec.selector as a label selector string ("" selects every node). */
  readonly nodeSelector: string;
}

export function releaseContext(
  spec: OnloadSpec,
  ref: { readonly namespace: string; readonly release: string },
): ReleaseContext {
  return { policy: policyFromSpec(spec, ref), nodeSelector: format(fromMap(spec.selector)) };
}
