import { describe, expect, it } from '@jest/globals';
import {
  bedFloorSeconds,
  overheadRatio,
  perNodeMinimumSeconds,
  rolloutMinimumSeconds,
} from './floor.ts';

const inputs = {
  nodes: 100,
  concurrency: 1,
  graceSeconds: 1,
  unloadMs: 250,
  loadMs: 250,
  modules: 2,
  devicePluginStartSeconds: 0.4,
};

describe('rollout floor', () => {
  it('adds grace, every module reload and the device plugin start per node', () => {
    expect(perNodeMinimumSeconds(inputs)).toBeCloseTo(2.4);
    expect(perNodeMinimumSeconds({ ...inputs, modules: 1 })).toBeCloseTo(1.9);
  });

  it('runs ceil(N / concurrency) rounds', () => {
    expect(rolloutMinimumSeconds(inputs)).toBeCloseTo(240);
    expect(rolloutMinimumSeconds({ ...inputs, concurrency: 10 })).toBeCloseTo(24);
    expect(rolloutMinimumSeconds({ ...inputs, nodes: 101, concurrency: 10 })).toBeCloseTo(26.4);
  });

  it('refuses nonsense', () => {
    expect(() => rolloutMinimumSeconds({ ...inputs, concurrency: 0 })).toThrow(/concurrency \(0\)/);
    expect(() => overheadRatio(10, 0)).toThrow(/positive/);
  });

  it('gives the ratio of wall time to the minimum', () => {
    expect(overheadRatio(264, 240)).toBeCloseTo(1.1);
  });

  it("adds the bed's own costs for the bed floor, the drain overlapping the device plugin's stop", () => {
    const costs = {
      graceSeconds: 1,
      devicePluginStopSeconds: 1.2,
      kmmUnloadSeconds: 0.4,
      kmmLoadSeconds: 0.45,
      devicePluginStartSeconds: 0.1,
      modules: 2,
    };
    // max(1, 1.2) + 2 × (0.4 + 0.45) + 0.1 = 3 per node.
    expect(bedFloorSeconds(10, 1, costs)).toBeCloseTo(30);
    expect(bedFloorSeconds(10, 3, costs)).toBeCloseTo(12);
    expect(bedFloorSeconds(10, 1, { ...costs, graceSeconds: 2 })).toBeCloseTo(38);
  });
});
