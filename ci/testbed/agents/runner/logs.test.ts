import { describe, expect, it } from '@jest/globals';
import { criLines, kwokLogs } from './logs.ts';

describe('criLines', () => {
  it('formats complete lines and carries the unfinished one over', () => {
    const first = criLines('', 'one\ntw', 'stdout', 'T1');
    expect(first).toEqual({ lines: 'T1 stdout F one\n', pending: 'tw' });
    const second = criLines(first.pending, 'o\nthree\n', 'stderr', 'T2');
    expect(second).toEqual({ lines: 'T2 stderr F two\nT2 stderr F three\n', pending: '' });
  });
});

describe('kwokLogs', () => {
  it('points KWOK at the pod container log file and is owned by the pod', () => {
    const logs = kwokLogs({ name: 'p', namespace: 'n', uid: 'u', container: 'c' }, '/x.log');
    expect(logs).toMatchObject({
      kind: 'Logs',
      metadata: { name: 'p', namespace: 'n', ownerReferences: [{ kind: 'Pod', uid: 'u' }] },
      spec: { logs: [{ containers: ['c'], logsFile: '/x.log', follow: true }] },
    });
  });
});
