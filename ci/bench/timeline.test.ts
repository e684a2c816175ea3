import { describe, expect, it } from '@jest/globals';
import { firstStartAt, parseTransition, percentile, stateStats } from './timeline.ts';

describe('hook output timelines', () => {
  it('reads transition lines, also warnings, and nothing else', () => {
    expect(
      parseTransition({
        at: 5,
        text: '[10:00:01] node w-1: upgrade-required → stopping-device-plugin: upgrade to onload B started',
      }),
    ).toEqual({ at: 5, node: 'w-1', from: 'upgrade-required', to: 'stopping-device-plugin' });
    expect(
      parseTransition({
        at: 6,
        text: '[10:00:02] WARN: node w-2: reloading-driver → upgrade-failed: DriverReloadTimeout: x',
      }),
    ).toEqual({ at: 6, node: 'w-2', from: 'reloading-driver', to: 'upgrade-failed' });
    for (const text of [
      '[10:00:01] node w-1: evicted pod trading/p',
      '[10:00:01] [onload A → B] 3/10 done · elapsed 5s',
      '[10:00:01]   w-1: evicting — evicting 1 pod(s): trading/p (not evicted yet)',
      '[10:00:01] node w-1 changed meanwhile; planning again',
    ])
      expect(parseTransition({ at: 0, text })).toBeUndefined();
  });

  it('measures each state from entering it to entering the next, per node', () => {
    const t = (at: number, node: string, from: string, to: string) => ({ at, node, from, to });
    const transitions = [
      t(0, 'a', 'upgrade-required', 'stopping-device-plugin'),
      t(1000, 'a', 'stopping-device-plugin', 'evicting'),
      t(2500, 'a', 'evicting', 'reloading-driver'),
      t(4000, 'a', 'reloading-driver', 'validating'),
      t(5000, 'a', 'validating', 'upgrade-done'),
      t(100, 'b', 'upgrade-required', 'stopping-device-plugin'),
      t(1300, 'b', 'stopping-device-plugin', 'evicting'),
      t(2300, 'b', 'evicting', 'reloading-driver'),
    ];
    expect(stateStats(transitions)).toEqual([
      { state: 'stopping-device-plugin', nodes: 2, medianMs: 1000, p90Ms: 1200, maxMs: 1200 },
      { state: 'evicting', nodes: 2, medianMs: 1000, p90Ms: 1500, maxMs: 1500 },
      { state: 'reloading-driver', nodes: 1, medianMs: 1500, p90Ms: 1500, maxMs: 1500 },
      { state: 'validating', nodes: 1, medianMs: 1000, p90Ms: 1000, maxMs: 1000 },
    ]);
    expect(firstStartAt(transitions)).toBe(0);
    expect(firstStartAt([])).toBeUndefined();
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 100)).toBe(10);
  });
});
