import { describe, expect, it } from '@jest/globals';
import { benchWorkload } from './workload.ts';

interface Doc {
  kind: string;
  spec?: {
    replicas?: number;
    maxUnavailable?: number;
    template?: {
      metadata: { annotations: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        topologySpreadConstraints: { whenUnsatisfiable: string; topologyKey: string }[];
        containers: { resources: { requests: Record<string, string> } }[];
      };
    };
  };
}

describe('bench workload', () => {
  const docs = benchWorkload({
    replicas: 100,
    graceSeconds: 3,
    maxConcurrency: 10,
  }) as unknown as Doc[];
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget');

  it('puts one Onload consumer on every node, draining for its whole grace', () => {
    const template = deployment?.spec?.template;
    expect(deployment?.spec?.replicas).toBe(100);
    expect(template?.spec.terminationGracePeriodSeconds).toBe(3);
    expect(template?.metadata.annotations['testbed.onload.amd.com/termination']).toBe(
      'grace-period',
    );
    expect(template?.spec.topologySpreadConstraints[0]).toEqual(
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
      }),
    );
    expect(template?.spec.containers[0]?.resources.requests['amd.com/onload']).toBe('1');
  });

  it('has a budget that never binds at the bench concurrency', () => {
    expect(pdb?.spec?.maxUnavailable).toBe(20);
    const single = benchWorkload({
      replicas: 10,
      graceSeconds: 1,
      maxConcurrency: 1,
    }) as unknown as Doc[];
    expect(single.find((d) => d.kind === 'PodDisruptionBudget')?.spec?.maxUnavailable).toBe(2);
  });
});
