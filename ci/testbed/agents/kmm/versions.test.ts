import { describe, expect, it } from '@jest/globals';
import { readyLabel, versionModuleLabel, workerVersionLabel } from './labels.ts';
import { workerLabelChanges } from './versions.ts';

const wanted = versionModuleLabel('ns', 'onload');
const worker = workerVersionLabel('ns', 'onload');
const ready = readyLabel('ns', 'onload');

describe('workerLabelChanges (KMM version-label controller)', () => {
  it('adds the worker label at the wanted version when the module is not loaded', () => {
    expect(workerLabelChanges({ [wanted]: 'v1' })).toEqual({ set: { [worker]: 'v1' }, remove: [] });
  });

  it('waits for the unload before adding it while the module is still loaded', () => {
    expect(workerLabelChanges({ [wanted]: 'v2', [ready]: '' })).toEqual({ set: {}, remove: [] });
  });

  it('drops the worker label when the wanted version changes or the label goes', () => {
    expect(workerLabelChanges({ [wanted]: 'v2', [worker]: 'v1', [ready]: '' })).toEqual({
      set: {},
      remove: [worker],
    });
    expect(workerLabelChanges({ [worker]: 'v1', [ready]: '' })).toEqual({
      set: {},
      remove: [worker],
    });
  });

  it('leaves a node whose worker label matches alone', () => {
    expect(workerLabelChanges({ [wanted]: 'v1', [worker]: 'v1', [ready]: '' })).toEqual({
      set: {},
      remove: [],
    });
  });

  it('handles each module of each namespace on its own', () => {
    const other = versionModuleLabel('other', 'sfc');
    expect(
      workerLabelChanges({ [wanted]: 'v1', [worker]: 'v1', [other]: 'v9', unrelated: 'x' }),
    ).toEqual({ set: { [workerVersionLabel('other', 'sfc')]: 'v9' }, remove: [] });
  });
});
