// Compiled by generator/render/types-ts.test.ts against hooks/generated/onload-types.ts: what the
// hooks may and may not do with the generated types. Each @ts-expect-error must be an error.
import {
  chartKeys,
  specKeys,
  type ChartValues,
  type OnloadSpec,
  type OnloadStatus,
  type SpecKey,
} from '../../hooks/generated/onload-types.ts';

declare const spec: OnloadSpec;
declare const values: ChartValues;

// Defaulted fields are always there: no undefined checks needed.
export const maxPods: number = spec.devicePlugin.maxPodsPerNode;
export const timeout: number = spec.upgrade.timeouts.evictionSeconds;
export const budget: number | string = spec.upgrade.maxUnavailable;
export const sfptpdImage: string | null = spec.sfptpd.image ?? null;
// @ts-expect-error a null default is not materialised in a CR: the field may be absent
export const sfptpdImageAlwaysSet: string | null = spec.sfptpd.image;
export const firstImage: string | undefined = spec.onload.kernelMappings[0]?.kernelModuleImage;
export const parameters: readonly string[] = spec.onload.controlPlane.parameters;
export const policy: 'Stop' | 'Continue' = spec.upgrade.failurePolicy;
export const hooksTimeout: number = values.hooks.timeoutSeconds;
export const asSpec: OnloadSpec = values;
export const keys: readonly SpecKey[] = specKeys;
export const chartOnly: readonly string[] = chartKeys;
export const registry: unknown = values.global.someParentKey;

// @ts-expect-error optional without default: may be undefined
export const pullPolicy: string = spec.onload.imagePullPolicy;
// @ts-expect-error the upstream misspelling does not exist here
export const misspelt: unknown = spec.devicePlugin.libMounthPath;
// @ts-expect-error not a failure policy
export const badPolicy: OnloadSpec['upgrade']['failurePolicy'] = 'Retry';
// @ts-expect-error sfc marker accepts no keys
export const marker: NonNullable<OnloadSpec['onload']['kernelMappings'][number]['sfc']> = { a: 1 };
// @ts-expect-error spec is read-only for the hooks
spec.devicePlugin.maxPodsPerNode = 3;

export const status: OnloadStatus = {
  phase: 'Upgrading',
  versions: { '8.1.2.26': 3 },
  nodes: { total: 4, upToDate: 3 },
  failedNodes: [{ name: 'n1', reason: 'EvictionTimeout' }],
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'Upgrading',
      message: '3 of 4 nodes',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    },
  ],
};
// @ts-expect-error a failed node needs a reason
export const badStatus: OnloadStatus = { failedNodes: [{ name: 'n1' }] };
