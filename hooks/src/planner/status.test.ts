import { describe, expect, it } from '@jest/globals';
import { t0 } from '../testing/fixtures.ts';
import { noNodesSelectedMessage } from './no-nodes.ts';
import { computeStatus, sameStatus } from './status.ts';
import type { NodeReport } from './types.ts';

const report = (
  name: string,
  category: NodeReport['category'],
  loadedVersion?: string,
): NodeReport => ({
  name,
  category,
  step: '',
  canary: false,
  ...(loadedVersion ? { loadedVersion } : {}),
});

describe('Onload status', () => {
  const reports = [
    report('a', 'done', 'v2'),
    report('b', 'active', 'v1'),
    report('c', 'pending', 'v1'),
    report('d', 'skipped', 'v1'),
  ];

  it('counts nodes and versions and says Upgrading while in progress', () => {
    const s = computeStatus({
      now: t0,
      desiredVersion: 'v2',
      generation: 3,
      plan: { reports, failures: [] },
      rollout: { fromVersion: 'v1', toVersion: 'v2', startedAt: t0 - 60_000 },
      progress: '1/4 done',
    });
    expect(s).toEqual(
      expect.objectContaining({
        phase: 'Upgrading',
        observedGeneration: 3,
        versions: { v2: 1, v1: 3 },
        nodes: { total: 4, upToDate: 1, upgrading: 1, pending: 1, failed: 0, skipped: 1 },
      }),
    );
    expect(s.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'False'],
      ['Progressing', 'True'],
      ['Degraded', 'False'],
    ]);
    expect(s.rollout?.finishedAt).toBeUndefined();
  });

  it('says Failed with the failed nodes, and keeps transition times while a condition holds', () => {
    const failures = [{ name: 'b', reason: 'EvictionTimeout', message: 'pods left', since: t0 }];
    const outcome = {
      kind: 'failed' as const,
      failed: failures,
      left: 2,
      message: '1 node(s) failed',
    };
    const first = computeStatus({
      now: t0,
      desiredVersion: 'v2',
      generation: 1,
      plan: { reports, failures, outcome },
      progress: '',
    });
    expect(first.phase).toBe('Failed');
    expect(first.failedNodes).toEqual([
      {
        name: 'b',
        reason: 'EvictionTimeout',
        message: 'pods left',
        since: '2026-01-01T00:00:00.000Z',
      },
    ]);
    const later = computeStatus({
      now: t0 + 5_000,
      desiredVersion: 'v2',
      generation: 1,
      plan: { reports, failures, outcome },
      previous: first,
      progress: '',
    });
    expect(later.conditions?.find((c) => c.type === 'Degraded')?.lastTransitionTime).toBe(
      first.conditions?.find((c) => c.type === 'Degraded')?.lastTransitionTime,
    );
    expect(sameStatus(first, later)).toBe(true);
  });

  it('says NoNodesSelected on Ready and Degraded when the selector matches no node', () => {
    const why = noNodesSelectedMessage('feature.node.kubernetes.io/pci-1924.present=true');
    const s = computeStatus({
      now: t0,
      desiredVersion: 'v2',
      generation: 1,
      plan: { reports: [], failures: [], outcome: { kind: 'complete', message: '0/0 done' } },
      progress: '',
      noNodesSelected: why,
    });
    expect(s.phase).toBe('Installing');
    expect(s.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'NoNodesSelected' }),
        expect.objectContaining({
          type: 'Degraded',
          status: 'True',
          reason: 'NoNodesSelected',
          message: why,
        }),
      ]),
    );
    expect(why).toContain('feature.node.kubernetes.io/pci-0200_1924.present');
    expect(why).toContain('nodeFeatureRule.enabled=true');
  });
});
