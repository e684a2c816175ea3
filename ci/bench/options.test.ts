import { describe, expect, it } from '@jest/globals';
import {
  concurrenciesFor,
  defaultOptions,
  parseBenchArgs,
  parseConcurrency,
  resolveConcurrency,
} from './options.ts';

describe('bench options', () => {
  it('defaults to 10, 100 and 1000 nodes at concurrency 1 and 10%', () => {
    expect(parseBenchArgs([])).toEqual(defaultOptions);
  });

  it('reads subsets and delays', () => {
    const o = parseBenchArgs([
      '--nodes',
      '10,100',
      '--concurrency',
      '1,5,25%',
      '--unload-ms',
      '100',
      '--load-ms=300',
      '--grace-seconds',
      '2',
      '--labeller-nodes',
      '0',
      '--out',
      '/tmp/x.json',
      '--hook-node-options',
      ' --max-old-space-size=96  --max-semi-space-size=2',
      '--kmm',
      'manager',
    ]);
    expect(o).toEqual({
      nodes: [10, 100],
      concurrency: [
        { kind: 'count', value: 1 },
        { kind: 'count', value: 5 },
        { kind: 'percent', value: 25 },
      ],
      unloadMs: 100,
      loadMs: 300,
      graceSeconds: 2,
      labellerNodes: 0,
      out: '/tmp/x.json',
      hookNodeOptions: ['--max-old-space-size=96', '--max-semi-space-size=2'],
      kmm: 'manager',
    });
  });

  it('names the flag of a bad value', () => {
    expect(() => parseBenchArgs(['--nodes', '10,ten'])).toThrow(/--nodes: "ten"/);
    expect(() => parseBenchArgs(['--nodes', '0'])).toThrow(/--nodes: "0" is not a whole number/);
    expect(() => parseBenchArgs(['--load-ms', '-1'])).toThrow(/--load-ms/);
    expect(() => parseConcurrency('150%')).toThrow(/1% to 100%/);
    expect(() => parseBenchArgs(['--concurrency', ','])).toThrow(/at least one value/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow(/bogus/);
    expect(() => parseBenchArgs(['--kmm', '2.2'])).toThrow(/--kmm: "2.2" is neither stand-in/);
  });

  it('resolves percentages per node count, at least 1', () => {
    const tenPercent = parseConcurrency('10%');
    expect(resolveConcurrency(tenPercent, 10)).toBe(1);
    expect(resolveConcurrency(tenPercent, 100)).toBe(10);
    expect(resolveConcurrency(tenPercent, 1000)).toBe(100);
    expect(resolveConcurrency(tenPercent, 5)).toBe(1);
  });

  it('runs each distinct concurrency once, never above the node count', () => {
    const specs = defaultOptions.concurrency;
    expect(concurrenciesFor(specs, 10)).toEqual([1]);
    expect(concurrenciesFor(specs, 100)).toEqual([1, 10]);
    expect(concurrenciesFor([parseConcurrency('50'), parseConcurrency('1')], 20)).toEqual([1, 20]);
  });
});
