// The rollout policy: spec.upgrade plus what the planner needs from the rest of the spec.
import type { OnloadSpec } from '../../generated/onload-types.ts';
import { fromMap, parse, type Selector } from '../kube/selectors.ts';

export interface Timeouts {
  readonly devicePluginStopSeconds: number;
  readonly evictionSeconds: number;
  readonly driverReloadSeconds: number;
  readonly validationSeconds: number;
  readonly installSeconds: number;
}

export interface Policy {
  readonly namespace: string;
  readonly release: string;
  readonly desiredVersion: string;
  readonly sfcEnabled: boolean;
  readonly maxParallel: number;
  readonly maxUnavailable: number | string;
  readonly canary: {
    readonly nodeNames: readonly string[];
    /** Undefined when spec.upgrade.canary.nodeSelector is empty. */
    readonly selector?: Selector;
    readonly pauseAfter: boolean;
  };
  readonly timeouts: Timeouts;
  readonly eviction: {
    /** Undefined when spec.upgrade.eviction.podSelector is empty. */
    readonly extra?: Selector;
    readonly force: boolean;
  };
  readonly failurePolicy: 'Stop' | 'Continue';
}

export function policyFromSpec(
  spec: OnloadSpec,
  ref: { namespace: string; release: string },
): Policy {
  const { upgrade } = spec;
  const canarySelector = upgrade.canary.nodeSelector;
  const podSelector = upgrade.eviction.podSelector.trim();
  return {
    namespace: ref.namespace,
    release: ref.release,
    desiredVersion: spec.onload.version,
    sfcEnabled: spec.sfc.enabled,
    maxParallel: upgrade.maxParallelUpgrades,
    maxUnavailable: upgrade.maxUnavailable,
    canary: {
      nodeNames: upgrade.canary.nodeNames,
      pauseAfter: upgrade.canary.pauseAfter,
      ...(Object.keys(canarySelector).length > 0 ? { selector: fromMap(canarySelector) } : {}),
    },
    timeouts: upgrade.timeouts,
    eviction: {
      force: upgrade.eviction.force,
      ...(podSelector !== '' ? { extra: parse(podSelector, 'upgrade.eviction.podSelector') } : {}),
    },
    failurePolicy: upgrade.failurePolicy,
  };
}

/** One node's worst case: every per-node phase running into its timeout. */
export function worstCaseSeconds(t: Timeouts): number {
  return (
    t.devicePluginStopSeconds + t.evictionSeconds + t.driverReloadSeconds + t.validationSeconds
  );
}

/**
 * maxUnavailable as a node count: an integer, or a percentage of `total` rounded up (the spec's
 * validator, generated from the schema, has checked it is one of the two).
 */
export function resolveMaxUnavailable(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.ceil((Number.parseInt(value, 10) * total) / 100);
}
