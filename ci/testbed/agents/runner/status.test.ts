import { describe, expect, it } from '@jest/globals';
import { pod } from '../test-objects.ts';
import {
  backoffMs,
  backoffStatus,
  finishedStatus,
  shouldRestart,
  terminationMessage,
} from './status.ts';

const exit = (exitCode: number) => ({
  exitCode,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:05Z',
});

describe('terminationMessage', () => {
  it('falls back to the log tail only for FallbackToLogsOnError and a failure', () => {
    expect(terminationMessage('FallbackToLogsOnError', 3, 'start\nboom\n')).toBe('start\nboom');
    expect(terminationMessage('FallbackToLogsOnError', 0, 'fine\n')).toBeUndefined();
    expect(terminationMessage('File', 3, 'boom\n')).toBeUndefined();
    expect(terminationMessage(undefined, 3, 'boom\n')).toBeUndefined();
  });

  it('keeps at most 80 lines and 2048 bytes of the end', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const message = terminationMessage('FallbackToLogsOnError', 1, lines) ?? '';
    expect(message.split('\n')).toHaveLength(80);
    expect(message.endsWith('line 199')).toBe(true);
    const long = terminationMessage('FallbackToLogsOnError', 1, 'x'.repeat(5000)) ?? '';
    expect(Buffer.byteLength(long)).toBe(2048);
  });
});

describe('restarts', () => {
  it('follows restartPolicy', () => {
    expect(shouldRestart('Never', 1)).toBe(false);
    expect(shouldRestart('OnFailure', 0)).toBe(false);
    expect(shouldRestart('OnFailure', 1)).toBe(true);
    expect(shouldRestart('Always', 0)).toBe(true);
    expect(shouldRestart(undefined, 0)).toBe(true);
  });

  it('backs off doubling up to a cap', () => {
    expect([1, 2, 3, 4, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });

  it('reports a crash loop on a Running pod', () => {
    const status = backoffStatus(pod({}), exit(1), 2, '10.1.0.1');
    expect(status.phase).toBe('Running');
    expect(status.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    });
  });
});

describe('finishedStatus', () => {
  it('is Succeeded/Completed on exit 0 and Failed/Error otherwise', () => {
    expect(finishedStatus(pod({}), exit(0), 0, undefined)).toMatchObject({
      phase: 'Succeeded',
      containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
    expect(finishedStatus(pod({}), { ...exit(7), message: 'why' }, 0, undefined)).toMatchObject({
      phase: 'Failed',
      containerStatuses: [
        { state: { terminated: { exitCode: 7, reason: 'Error', message: 'why' } } },
      ],
    });
  });
});
