import { describe, expect, it } from '@jest/globals';
import { moduleTolerationsWarning, servesModuleTolerations } from './module-tolerations.ts';

const version = (name: string, served: boolean, ...specFields: string[]) => ({
  name,
  served,
  specFields: ['moduleLoader', 'selector', ...specFields],
});

describe('KMM Module tolerations', () => {
  it('counts only a served v1beta1 (the version the chart applies) with spec.tolerations', () => {
    expect(servesModuleTolerations({ versions: [version('v1beta1', true, 'tolerations')] })).toBe(
      true,
    );
    expect(servesModuleTolerations({ versions: [version('v1beta1', true)] })).toBe(false);
    expect(servesModuleTolerations({ versions: [version('v1beta1', false, 'tolerations')] })).toBe(
      false,
    );
    expect(
      servesModuleTolerations({
        versions: [version('v1beta1', true), version('v1beta2', true, 'tolerations')],
      }),
    ).toBe(false);
  });

  it('warns only about a Module CRD without them, naming the consequence and the fix', () => {
    const warning = moduleTolerationsWarning({ versions: [version('v1beta1', true)] }) ?? '';
    expect(warning).toMatch(
      /^KMM < 2\.3: a cordon or untolerated taint unloads Onload on that node/,
    );
    expect(warning).toContain('Upgrade KMM to 2.3 or later');
    expect(
      moduleTolerationsWarning({ versions: [version('v1beta1', true, 'tolerations')] }),
    ).toBeUndefined();
    // not installed: the preflight refuses that already
    expect(moduleTolerationsWarning(undefined)).toBeUndefined();
  });
});
