import { describe, expect, it } from '@jest/globals';
import type { OnloadStatus } from '../../generated/onload-types.ts';
import { createLogger, memorySink } from '../log/logger.ts';
import { MemoryKube } from '../testing/memory-kube.ts';
import { StatusWriter } from './status-writer.ts';

describe('status writer', () => {
  it('holds back changes within the interval, says when they fall due, writes forced ones at once', async () => {
    const kube = new MemoryKube();
    kube.putOnload({ name: 'onload', uid: 'cr-uid', generation: 1, annotations: {} });
    let now = 0;
    const writer = new StatusWriter({
      port: kube,
      namespace: 'ns',
      name: 'onload',
      log: createLogger({ level: 'info', sink: memorySink() }),
      now: () => now,
      minIntervalMs: 15_000,
    });
    const status = (upToDate: number): OnloadStatus => ({
      phase: 'Upgrading',
      nodes: { total: 3, upToDate, upgrading: 1, pending: 2 - upToDate, failed: 0, skipped: 0 },
    });
    await writer.write(status(0), false);
    expect(writer.dueAt).toBeUndefined();
    now = 1_000;
    await writer.write(status(1), false);
    expect(kube.statuses).toHaveLength(1);
    expect(writer.dueAt).toBe(15_000);
    now = 15_000;
    await writer.write(status(1), false);
    expect(kube.statuses).toHaveLength(2);
    expect(writer.dueAt).toBeUndefined();
    now = 16_000;
    await writer.write(status(2), true);
    expect(kube.statuses.map((s) => s.nodes?.upToDate)).toEqual([0, 1, 2]);
  });
});
