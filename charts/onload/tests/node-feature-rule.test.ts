// The optional NodeFeatureRule: Node Feature Discovery labels Solarflare nodes with the label the
// default selector needs (stock NFD publishes pci-0200_1924.present at most).
import { describe, expect, it } from '@jest/globals';
import { findAll, type Manifest } from './lib/manifests.ts';
import { chartDefaults, defaultNamespace, helmMajors, render, variants } from './lib/render.ts';

interface NodeFeatureRule extends Manifest {
  readonly spec: {
    readonly rules: readonly {
      readonly name: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly matchFeatures: readonly {
        readonly feature: string;
        readonly matchExpressions: Readonly<
          Record<string, { readonly op: string; readonly value?: readonly string[] }>
        >;
      }[];
    }[];
  };
}

describe.each(helmMajors)('NodeFeatureRule, Helm %i', (helmMajor) => {
  it.each(variants)('is not rendered unless nodeFeatureRule.enabled (%s)', async (variant) => {
    expect(findAll(await render({ variant, helmMajor }), 'NodeFeatureRule')).toEqual([]);
  });

  it('labels nodes with a PCI device of vendor 1924 with the default selector label', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { nodeFeatureRule: { enabled: true } },
    });
    const rules = findAll(objects, 'NodeFeatureRule') as NodeFeatureRule[];
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule?.apiVersion).toBe('nfd.k8s-sigs.io/v1alpha1');
    expect(rule?.metadata.namespace).toBeUndefined();
    expect(rule?.metadata.name).toBe(`${defaultNamespace}-onload-solarflare`);
    const defaultSelector = (await chartDefaults()).selector as Record<string, string>;
    expect(rule?.spec.rules).toEqual([
      {
        name: 'solarflare-nic',
        labels: defaultSelector,
        matchFeatures: [
          { feature: 'pci.device', matchExpressions: { vendor: { op: 'In', value: ['1924'] } } },
        ],
      },
    ]);
  });
});
