import { describe, expect, it } from '@jest/globals';
import { cpuSince, parseProcStat } from './cpu.ts';

describe('test-bed CPU accounting', () => {
  it('reads name and user + system time from /proc/<pid>/stat, names with spaces too', () => {
    const stat =
      '4242 (kube-apiserver) S 1 4242 4242 0 -1 4194560 91234 0 12 0 1534 287 0 0 20 0 14 0 9831 2e9 30000 18446744073709551615';
    expect(parseProcStat(stat)).toEqual({ name: 'kube-apiserver', cpuSeconds: 18.21 });
    expect(
      parseProcStat('7 (node (agents)) R 1 7 7 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0 1 1 1')?.name,
    ).toBe('node (agents)');
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('subtracts two readings per process, new processes counted whole', () => {
    expect(cpuSince({ etcd: 10, kwok: 2 }, { etcd: 14.5, kwok: 2, agents: 3 })).toEqual({
      etcd: 4.5,
      kwok: 0,
      agents: 3,
    });
  });
});
