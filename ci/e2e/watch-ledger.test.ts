import { describe, expect, it } from '@jest/globals';
import { WatchLedger } from './watch-ledger.ts';

describe('the observer’s watch ledger', () => {
  it('resumes a stream after the newest change it delivered, not after the last one listed', () => {
    const ledger = new WatchLedger();
    // A first list in name order: a-pod changed last (rv 30), c-pod long ago (rv 10).
    for (const [key, rv] of [
      ['ns/a-pod', 30],
      ['ns/b-pod', 20],
      ['ns/c-pod', 10],
    ] as const)
      expect(ledger.change('Pod', key, rv)).toBe(true);
    expect(ledger.resumeAfter('Pod')).toBe(30);
    expect(ledger.resumeAfter('Node')).toBeUndefined();
    ledger.bookmark('Pod', 45);
    expect(ledger.resumeAfter('Pod')).toBe(45);
    ledger.bookmark('Pod', 40);
    expect(ledger.resumeAfter('Pod')).toBe(45);
  });

  it('never feeds a replayed change twice, also for an object deleted since', () => {
    const ledger = new WatchLedger();
    expect(ledger.change('Pod', 'ns/device-plugin-x', 50)).toBe(true); // ADDED
    expect(ledger.change('Pod', 'ns/device-plugin-x', 51)).toBe(true); // bound to a node
    expect(ledger.change('Pod', 'ns/device-plugin-x', 70)).toBe(true); // DELETED
    // A stream resumed from an older point delivers the pod's changes again.
    expect(ledger.change('Pod', 'ns/device-plugin-x', 50)).toBe(false);
    expect(ledger.change('Pod', 'ns/device-plugin-x', 51)).toBe(false);
    // The same name, created again later, is a new object.
    expect(ledger.change('Pod', 'ns/device-plugin-x', 90)).toBe(true);
    // Kinds are apart: a node of the same name is not a pod.
    expect(ledger.change('Node', 'ns/device-plugin-x', 60)).toBe(true);
  });

  it('lists afresh after the resume point expired (410 Gone)', () => {
    const ledger = new WatchLedger();
    ledger.change('Node', '/worker-01', 12);
    ledger.expired('Node');
    expect(ledger.resumeAfter('Node')).toBeUndefined();
    // The new list's unchanged objects are not fed again.
    expect(ledger.change('Node', '/worker-01', 12)).toBe(false);
    expect(ledger.resumeAfter('Node')).toBe(12);
  });
});
