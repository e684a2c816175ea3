import { describe, expect, it } from '@jest/globals';
import { parseAuditLog, summariseRequests } from './audit.ts';
import { processFigures, requestFigures, runStamp, type RolloutCase } from './results.ts';
import { cpuTable, markdownTable, rolloutTable, seconds, stateTable } from './table.ts';

const rolloutCase: RolloutCase = {
  nodes: 100,
  concurrency: 10,
  fromVersion: 'A',
  toVersion: 'B',
  process: processFigures({
    code: 0,
    startedAt: 0,
    endedAt: 30_500,
    usage: {
      maxRssKb: 120 * 1024,
      userCpuMs: 4000,
      systemCpuMs: 500,
      peakHeapUsedKb: 30 * 1024,
      peakHeapTotalKb: 40 * 1024,
      peakExternalKb: 4 * 1024,
    },
  }),
  perNodeMinimumSeconds: 2.1,
  minimumSeconds: 21,
  ratio: 30.5 / 21,
  bedFloorSeconds: 28,
  bedRatio: 30.5 / 28,
  requests: requestFigures(
    summariseRequests(
      parseAuditLog(
        JSON.stringify({
          auditID: 'a',
          verb: 'list',
          requestURI: '/api/v1/pods',
          user: { username: 'u' },
          objectRef: { resource: 'pods' },
          responseStatus: { code: 200 },
          requestReceivedTimestamp: '1970-01-01T00:00:01Z',
        }),
      ),
      { user: 'u', from: 0, to: 10_000 },
    ),
    100,
  ),
  firstNodePatchSeconds: 0.42,
  states: [{ state: 'evicting', nodes: 100, medianMs: 1100, p90Ms: 1500, maxMs: 2000 }],
  safety: {
    violations: [],
    outageSeconds: [3, 4, 5, 2, 6],
    mostNodesPaused: 10,
    mostNodesWithoutDevicePlugin: 9,
    open: [],
  },
  loadAverage: { before: 1, after: 2 },
  bedCpuSeconds: { 'kube-apiserver': 20, node: 10.5 },
  logFile: '/tmp/x.log',
};

describe('bench tables', () => {
  it('aligns a Markdown table', () => {
    expect(
      markdownTable(
        ['a', 'long header'],
        [
          ['wide cell', 'x'],
          ['y', ''],
        ],
      ),
    ).toEqual([
      '| a         | long header |',
      '|-----------|-------------|',
      '| wide cell | x           |',
      '| y         |             |',
    ]);
  });

  it('formats seconds for people', () => {
    expect(seconds(undefined)).toBe('—');
    expect(seconds(0.4213)).toBe('0.42s');
    expect(seconds(76.4)).toBe('76s');
    expect(seconds(3725)).toBe('62m05s');
  });

  it('turns process usage and audit counts into the figures shown', () => {
    expect(rolloutCase.process).toEqual(
      expect.objectContaining({
        wallSeconds: 30.5,
        peakRssMiB: 120,
        cpuSeconds: 4.5,
        peakHeapUsedMiB: 30,
      }),
    );
    expect(rolloutCase.requests).toEqual(
      expect.objectContaining({
        total: 1,
        perNode: 0.01,
        clusterWideReads: [{ verb: 'list', uri: '/api/v1/pods' }],
        clusterWideReadPerNodeStep: false,
      }),
    );
  });

  it('shows one row per rollout case, cluster-wide reads at start-up told apart', () => {
    const [header, , row] = rolloutTable([rolloutCase]);
    expect(header).toContain('ratio to bed floor');
    expect(row?.split('|').map((c) => c.trim())).toEqual([
      '',
      '100',
      '10',
      '31s',
      '21s',
      '1.45',
      '28s',
      '1.09',
      '0.0',
      'no (1 at start)',
      '120 MiB',
      '4.50s',
      '0.42s',
      '—',
      '4.00s / 6.00s',
      '10 / 9 (max 10)',
      'held',
      'ok',
      '',
    ]);
  });

  it('reports a case that broke an invariant as failed, naming the invariants', () => {
    const broken: RolloutCase = {
      ...rolloutCase,
      safety: {
        ...rolloutCase.safety,
        violations: [
          {
            invariant: 'never more nodes out than allowed',
            resourceVersion: 7,
            detail: '11 paused',
          },
          {
            invariant: 'never more nodes out than allowed',
            resourceVersion: 8,
            detail: '12 paused',
          },
        ],
      },
    };
    const cells = rolloutTable([broken])[2]
      ?.split('|')
      .map((c) => c.trim());
    expect(cells?.slice(-4, -1)).toEqual([
      '10 / 9 (max 10)',
      '2 broken: never more nodes out than allowed',
      'FAILED',
    ]);
  });

  it('shows median and p90 per state, a dash for states not seen', () => {
    const row = stateTable([rolloutCase])[2] ?? '';
    expect(row).toContain('1.10s / 1.50s');
    expect(row).toContain('—');
  });

  it('stamps result files without colons', () => {
    expect(runStamp(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T030405Z');
  });

  it('shows CPU seconds per process and how much of the machine they took', () => {
    const [header, , row] = cpuTable([rolloutCase], 2);
    expect(header?.split('|').map((c) => c.trim())).toEqual([
      '',
      'nodes',
      'parallel',
      'wall',
      'hook',
      'kube-apiserver',
      'agents',
      'all / available',
      '',
    ]);
    // (4.5 + 20 + 10.5) / (2 × 30.5)
    expect(row).toMatch(/\| 57 % +\|/);
    expect(row).toContain('| 4.50s ');
  });
});
