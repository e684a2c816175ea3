import { describe, expect, it } from '@jest/globals';
import {
  devicePluginVersionLabel,
  readyLabel,
  versionModuleLabel,
  workerVersionLabel,
} from './labels.ts';
import { requeueDueAt, requeueLives, workerLabelChanges } from './versions.ts';

const wanted = versionModuleLabel('ns', 'onload');
const worker = workerVersionLabel('ns', 'onload');
const plugin = devicePluginVersionLabel('ns', 'onload');
const ready = readyLabel('ns', 'onload');
const onload = { namespace: 'ns', name: 'onload' };

describe('workerLabelChanges (KMM version-label controller)', () => {
  it('adds the worker label at the wanted version when the module is not loaded', () => {
    expect(workerLabelChanges({ [wanted]: 'v1' })).toEqual({
      set: { [worker]: 'v1' },
      remove: [],
      workerDue: [onload],
    });
  });

  it('then adds the device-plugin label at the same version, even before the load', () => {
    expect(workerLabelChanges({ [wanted]: 'v1', [worker]: 'v1' })).toEqual({
      set: { [plugin]: 'v1' },
      remove: [],
      workerDue: [],
    });
  });

  it('waits for the unload before adding it while the module is still loaded', () => {
    expect(workerLabelChanges({ [wanted]: 'v2', [ready]: '' })).toEqual({
      set: {},
      remove: [],
      workerDue: [],
    });
  });

  it('drops the device-plugin label first, then the worker label, when the wanted version changes or goes', () => {
    const loaded = { [worker]: 'v1', [plugin]: 'v1', [ready]: '' };
    expect(workerLabelChanges({ ...loaded, [wanted]: 'v2' }).remove).toEqual([plugin]);
    expect(workerLabelChanges({ [wanted]: 'v2', [worker]: 'v1', [ready]: '' }).remove).toEqual([
      worker,
    ]);
    expect(workerLabelChanges(loaded).remove).toEqual([plugin]);
    expect(workerLabelChanges({ [worker]: 'v1', [ready]: '' }).remove).toEqual([worker]);
  });

  it('leaves a node whose labels match alone', () => {
    expect(
      workerLabelChanges({ [wanted]: 'v1', [worker]: 'v1', [plugin]: 'v1', [ready]: '' }),
    ).toEqual({ set: {}, remove: [], workerDue: [] });
  });

  it('handles each module of each namespace on its own', () => {
    const other = versionModuleLabel('other', 'sfc');
    expect(
      workerLabelChanges({
        [wanted]: 'v1',
        [worker]: 'v1',
        [plugin]: 'v1',
        [other]: 'v9',
        unrelated: 'x',
      }),
    ).toEqual({
      set: { [workerVersionLabel('other', 'sfc')]: 'v9' },
      remove: [],
      workerDue: [{ namespace: 'other', name: 'sfc' }],
    });
  });
});

describe('requeueDueAt (KMM rate-limited requeue)', () => {
  it('comes round at 5 ms doubling after the label was dropped', () => {
    expect(requeueDueAt(0, 0)).toBe(5);
    expect(requeueDueAt(0, 5)).toBe(5);
    expect(requeueDueAt(0, 6)).toBe(15);
    expect(requeueDueAt(1000, 1100)).toBe(1000 + 155);
  });

  it('after a long unload comes back up to about the unload time later', () => {
    const unloadMs = 50_000;
    const due = requeueDueAt(0, unloadMs);
    expect(due).toBeGreaterThanOrEqual(unloadMs);
    expect(due).toBeLessThanOrEqual(2 * unloadMs + 5);
  });
});

describe('requeueLives (when KMM forgets a node’s back-off)', () => {
  const ref = { namespace: 'onload', name: 'onload' };
  it('lives while the user’s version label is set, and ends once it is removed', () => {
    expect(requeueLives({ [versionModuleLabel('onload', 'onload')]: '2.0.0' }, ref)).toBe(true);
    expect(requeueLives({ [versionModuleLabel('onload', 'sfc')]: '2.0.0' }, ref)).toBe(false);
    expect(requeueLives({}, ref)).toBe(false);
  });
});
