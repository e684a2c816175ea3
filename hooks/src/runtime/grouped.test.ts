import { describe, expect, it } from '@jest/globals';
import { runGrouped } from './grouped.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('runGrouped', () => {
  it('keeps the order within a group and runs groups side by side, up to the limit', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const items = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3', 'd1'];
    await runGrouped(
      items,
      (i) => i.charAt(0),
      2,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        log.push(`start ${i}`);
        await tick();
        log.push(`end ${i}`);
        inFlight--;
      },
    );
    expect(most).toBe(2);
    for (const group of ['a', 'b', 'c', 'd']) {
      const ends = log.filter((l) => l.startsWith(`end ${group}`)).map((l) => l.slice(4));
      expect(ends).toEqual(items.filter((i) => i.startsWith(group)));
    }
    const started = (i: string): number => log.indexOf(`start ${i}`);
    expect(started('a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(started('b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('starts nothing new after a failure and rethrows the first error', async () => {
    const ran: string[] = [];
    await expect(
      runGrouped(
        ['a1', 'a2', 'b1', 'c1'],
        (i) => i.charAt(0),
        1,
        async (i) => {
          ran.push(i);
          await tick();
          if (i === 'a1') throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    expect(ran).toEqual(['a1']);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await runGrouped(
      [],
      () => '',
      4,
      () => {
        calls++;
        return Promise.resolve();
      },
    );
    expect(calls).toBe(0);
  });
});
