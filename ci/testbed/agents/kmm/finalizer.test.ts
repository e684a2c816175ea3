import { describe, expect, it } from '@jest/globals';
import { entry, kmodule } from '../test-objects.ts';
import { finalizerStep, moduleFinalizer } from './finalizer.ts';
import type { Module, Nmc } from './types.ts';

const live = kmodule('onload', 'v1');
const held: Module = {
  ...live,
  metadata: { ...live.metadata, finalizers: [moduleFinalizer] },
};
const deleting: Module = {
  ...held,
  metadata: { ...held.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
};
const nmc = (spec: string[], status: string[]): Nmc => ({
  metadata: { name: 'worker-01' },
  spec: { modules: spec.map((m) => entry(m, 'img:1')) },
  status: { modules: status.map((m) => entry(m, 'img:1')) },
});

describe('finalizerStep (KMM Module finalizer)', () => {
  it('adds the finalizer to every live Module once', () => {
    expect(finalizerStep(live, [])).toBe('add');
    expect(finalizerStep(held, [nmc(['onload'], ['onload'])])).toBeUndefined();
  });

  it('holds a deleted Module while a node still has it configured or loaded', () => {
    expect(finalizerStep(deleting, [nmc(['onload'], ['onload'])])).toBeUndefined();
    expect(finalizerStep(deleting, [nmc([], ['onload'])])).toBeUndefined();
    expect(finalizerStep(deleting, [nmc(['sfc'], ['sfc']), nmc(['onload'], [])])).toBeUndefined();
  });

  it('releases it once every node has unloaded it', () => {
    expect(finalizerStep(deleting, [nmc(['sfc'], ['sfc'])])).toBe('remove');
    expect(finalizerStep(deleting, [])).toBe('remove');
  });

  it('leaves a deleted Module without the finalizer alone', () => {
    expect(
      finalizerStep({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } }, []),
    ).toBeUndefined();
  });
});
