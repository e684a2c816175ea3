import { describe, expect, it } from '@jest/globals';
import { entry, kernel, kmodule, node, pod } from '../test-objects.ts';
import {
  moduleNameLabel,
  readyLabel,
  versionReadyLabel,
  workerActionLabel,
  workerConfigAnnotation,
  workerModuleVersionAnnotation,
  workerVersionLabel,
} from './labels.ts';
import {
  nextSpec,
  readyChanges,
  readySince,
  recordedStatus,
  specDecision,
  taintedReadyLabels,
  workerStep,
} from './nmc.ts';

const now = new Date('2026-01-01T00:00:00Z');
const ref = { namespace: 'ns', name: 'onload' };
const v1 = entry('onload', `img/onload:${kernel}-v1`);
const v2 = entry('onload', `img/onload:${kernel}-v2`);
const selected = { sfc: 'yes' };
const options = { nmcHasVersion: false };

function workerPod(action: 'Load' | 'Unload', config = v1.config, status = {}) {
  return pod(
    { [workerActionLabel]: action },
    {
      annotations: {
        [workerConfigAnnotation]: JSON.stringify(config),
        [workerModuleVersionAnnotation]: 'v1',
      },
      status,
    },
  );
}

describe('specDecision (Module -> NodeModulesConfig spec)', () => {
  it('loads where the worker label equals the Module version', () => {
    const decision = specDecision(
      kmodule('onload', 'v1'),
      node({ ...selected, [workerVersionLabel('ns', 'onload')]: 'v1' }),
      options,
    );
    expect(decision).toEqual({ kind: 'set', entry: v1 });
  });

  it('records the version in the entry only when the CRD has the field', () => {
    const n = node({ ...selected, [workerVersionLabel('ns', 'onload')]: 'v1' });
    expect(specDecision(kmodule('onload', 'v1'), n, { nmcHasVersion: true })).toEqual({
      kind: 'set',
      entry: { ...v1, version: 'v1' },
    });
  });

  it('loads nothing on a node without the worker label when the Module has a version', () => {
    expect(specDecision(kmodule('onload', 'v1'), node(selected), options).kind).toBe('remove');
  });

  it('keeps what a node runs while its worker label is at another version (frozen node)', () => {
    const n = node({ ...selected, [workerVersionLabel('ns', 'onload')]: 'v1' });
    expect(specDecision(kmodule('onload', 'v2'), n, options)).toEqual({ kind: 'keep' });
  });

  it('loads everywhere selected when the Module has no version', () => {
    expect(specDecision(kmodule('onload', undefined), node(selected), options).kind).toBe('set');
  });

  it('unloads from nodes outside the selector or with a taint the Module does not tolerate', () => {
    const labelled = { ...selected, [workerVersionLabel('ns', 'onload')]: 'v1' };
    expect(specDecision(kmodule('onload', 'v1'), node({ sfc: 'no' }), options).kind).toBe('remove');
    const tainted = node(labelled, { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] });
    expect(specDecision(kmodule('onload', 'v1'), tainted, options)).toEqual({
      kind: 'remove',
      why: 'untolerated taint maintenance',
    });
    const tolerating = kmodule('onload', 'v1', {
      tolerations: [{ key: 'maintenance', operator: 'Exists' }],
    });
    expect(specDecision(tolerating, tainted, options).kind).toBe('set');
  });

  it('drops entries of deleted Modules and keeps frozen ones', () => {
    const n = node({ ...selected, [workerVersionLabel('ns', 'onload')]: 'v1' });
    const sfc = entry('sfc', 'img/sfc:1');
    expect(nextSpec([v1, sfc], [kmodule('onload', 'v2')], n, options)).toEqual([v1]);
    expect(nextSpec([v1, sfc], [], n, options)).toEqual([]);
  });
});

describe('workerStep (NodeModulesConfig -> worker pods)', () => {
  it('loads what the spec wants and the status lacks', () => {
    expect(workerStep(ref, v1, undefined, undefined, now)).toEqual({
      kind: 'create',
      action: 'Load',
      entry: v1,
    });
  });

  it('unloads what the status has and the spec no longer wants', () => {
    expect(workerStep(ref, undefined, v1, undefined, now)).toEqual({
      kind: 'create',
      action: 'Unload',
      entry: v1,
    });
  });

  it('unloads first when the config changed on the same kernel', () => {
    expect(workerStep(ref, v2, v1, undefined, now)).toEqual({
      kind: 'create',
      action: 'Unload',
      entry: v1,
    });
  });

  it('does nothing when the status matches the spec', () => {
    expect(
      workerStep(ref, v1, { ...v1, serviceAccountName: 'default' }, undefined, now),
    ).toBeUndefined();
  });

  it('records a succeeded load, then deletes its pod', () => {
    const done = workerPod('Load', v1.config, { phase: 'Succeeded' });
    expect(workerStep(ref, v1, undefined, done, now)).toEqual({
      kind: 'loaded',
      pod: done,
      entry: { ...v1, version: 'v1', lastTransitionTime: '2026-01-01T00:00:00Z' },
    });
    expect(workerStep(ref, v1, v1, done, now)).toMatchObject({
      kind: 'delete',
      why: 'load recorded',
    });
  });

  it('loads again a module loaded before the node last became Ready (a reboot), and records that load', () => {
    const loadedAt = { ...v1, lastTransitionTime: '2026-01-01T00:00:00Z' };
    const rebooted = new Date('2026-01-01T00:05:00Z');
    expect(workerStep(ref, v1, loadedAt, undefined, now, rebooted)).toEqual({
      kind: 'create',
      action: 'Load',
      entry: v1,
    });
    expect(
      workerStep(ref, v1, loadedAt, undefined, now, new Date('2025-12-31T23:00:00Z')),
    ).toBeUndefined();
    const done = workerPod('Load', v1.config, { phase: 'Succeeded' });
    expect(workerStep(ref, v1, loadedAt, done, now, rebooted)).toMatchObject({ kind: 'loaded' });
  });

  it('unloads nothing on a node rebooted since the load: the status entry goes, a worker left is an orphan (KMM 2.3)', () => {
    const loadedAt = { ...v1, lastTransitionTime: '2026-01-01T00:00:00Z' };
    const rebooted = new Date('2026-01-01T00:05:00Z');
    const forget = {
      kind: 'forget',
      entry: loadedAt,
      why: 'node rebooted since the load: nothing to unload',
    };
    expect(workerStep(ref, undefined, loadedAt, undefined, now, rebooted)).toEqual(forget);
    // A crash-looping unloader created before the node came back (sfc while onload was loaded).
    const unloader = workerPod('Unload', v1.config, {
      phase: 'Running',
      containerStatuses: [{ restartCount: 3 }],
    });
    expect(workerStep(ref, undefined, loadedAt, unloader, now, rebooted)).toEqual(forget);
    expect(workerStep(ref, undefined, undefined, unloader, now, rebooted)).toMatchObject({
      kind: 'delete',
      why: 'orphan worker pod',
    });
    // A finished worker is recorded first.
    const unloaded = workerPod('Unload', v1.config, { phase: 'Succeeded' });
    expect(workerStep(ref, undefined, loadedAt, unloaded, now, rebooted)).toEqual({
      kind: 'unloaded',
      pod: unloaded,
    });
    // Not Ready (no readySince), or Ready since before the load: KMM unloads.
    for (const readySince of [undefined, new Date('2025-12-31T23:00:00Z')])
      expect(workerStep(ref, undefined, loadedAt, undefined, now, readySince)).toEqual({
        kind: 'create',
        action: 'Unload',
        entry: loadedAt,
      });
  });

  it('records a load, an unload or a dropped entry in the status, leaving the other modules', () => {
    const sfc = entry('sfc', `img/sfc:${kernel}`);
    const loaded = { ...v2, lastTransitionTime: '2026-01-01T00:00:00Z' };
    const loader = workerPod('Load', v2.config, { phase: 'Succeeded' });
    expect(recordedStatus([v1, sfc], { kind: 'loaded', entry: loaded, pod: loader })).toEqual([
      sfc,
      loaded,
    ]);
    const unloader = pod(
      { [workerActionLabel]: 'Unload', [moduleNameLabel]: 'onload' },
      { status: { phase: 'Succeeded' } },
    );
    expect(recordedStatus([v1, sfc], { kind: 'unloaded', pod: unloader })).toEqual([sfc]);
    expect(recordedStatus([v1, sfc], { kind: 'forget', entry: v1, why: 'rebooted' })).toEqual([
      sfc,
    ]);
  });

  it('reads when the node last became Ready', () => {
    const at = '2026-01-01T00:05:00Z';
    const nodeWith = (status: string) => ({
      status: { conditions: [{ type: 'Ready', status, lastTransitionTime: at }] },
    });
    expect(readySince(nodeWith('True'))).toEqual(new Date(at));
    expect(readySince(nodeWith('False'))).toBeUndefined();
  });

  it('records a succeeded unload, then deletes its pod', () => {
    const done = workerPod('Unload', v1.config, { phase: 'Succeeded' });
    expect(workerStep(ref, undefined, v1, done, now)).toEqual({ kind: 'unloaded', pod: done });
    expect(workerStep(ref, undefined, undefined, done, now)).toMatchObject({ kind: 'delete' });
  });

  it('deletes failed pods, orphans and loads nobody wants any more', () => {
    expect(
      workerStep(ref, v1, undefined, workerPod('Load', v1.config, { phase: 'Failed' }), now),
    ).toMatchObject({
      kind: 'delete',
    });
    expect(workerStep(ref, undefined, undefined, workerPod('Load'), now)).toMatchObject({
      kind: 'delete',
    });
    expect(workerStep(ref, undefined, v1, workerPod('Load'), now)).toMatchObject({
      kind: 'delete',
      why: 'module no longer wanted on the node',
    });
  });

  it('lets a running worker finish, and an unload run on even when the module is wanted back', () => {
    expect(
      workerStep(ref, v1, undefined, workerPod('Load', v1.config, { phase: 'Running' }), now),
    ).toBeUndefined();
    expect(
      workerStep(ref, v1, v1, workerPod('Unload', v1.config, { phase: 'Running' }), now),
    ).toBeUndefined();
  });

  it('replaces a crash-looping load whose config is outdated', () => {
    const failing = workerPod('Load', v1.config, {
      phase: 'Running',
      containerStatuses: [{ restartCount: 2 }],
    });
    expect(workerStep(ref, v2, undefined, failing, now)).toMatchObject({ kind: 'delete' });
  });

  it('waits while the worker pod is being deleted', () => {
    const deleting = pod(
      { [workerActionLabel]: 'Load' },
      { deleting: true, status: { phase: 'Running' } },
    );
    expect(workerStep(ref, v1, undefined, deleting, now)).toBeUndefined();
  });
});

describe('readyChanges', () => {
  const ready = readyLabel('ns', 'onload');
  const versionReady = versionReadyLabel('ns', 'onload');
  const worker = workerVersionLabel('ns', 'onload');

  it('marks a module loaded with its version once the status matches the spec', () => {
    expect(readyChanges({ [worker]: 'v1' }, [v1], [v1], true)).toEqual([
      { ref: v1, loaded: true, set: { [ready]: '', [versionReady]: 'v1' }, remove: [] },
    ]);
  });

  it('prefers the version the status records', () => {
    expect(
      readyChanges({ [worker]: 'v1' }, [v1], [{ ...v1, version: 'v0' }], true)[0]?.set,
    ).toEqual({
      [ready]: '',
      [versionReady]: 'v0',
    });
  });

  it('writes no version label as KMM < 2.5', () => {
    expect(readyChanges({ [worker]: 'v1' }, [v1], [v1], false)[0]?.set).toEqual({ [ready]: '' });
  });

  it('keeps the labels while the module is loaded or still being unloaded', () => {
    expect(readyChanges({ [ready]: '', [worker]: 'v1' }, [v1], [v1], true)).toEqual([]);
    expect(readyChanges({ [ready]: '' }, [], [v1], true)).toEqual([]);
    expect(readyChanges({}, [v2], [v1], true)).toEqual([]);
  });

  it('removes both labels once the module is neither wanted nor loaded', () => {
    expect(readyChanges({ [ready]: '', [versionReady]: 'v1' }, [], [], true)).toEqual([
      { ref, loaded: false, set: {}, remove: [ready, versionReady] },
    ]);
  });
});

describe('taintedReadyLabels (KMM drops .ready at once on an untolerated taint)', () => {
  const labels = {
    sfc: 'yes',
    'kmm.node.kubernetes.io/ns.onload.ready': '',
    'kmm.node.kubernetes.io/ns.onload.version.ready': 'v1',
  };
  const cordoned = {
    ...node(),
    metadata: { name: 'worker-01', labels },
    spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
  };

  it('names both ready labels of a Module that does not tolerate the taint', () => {
    expect(taintedReadyLabels(labels, [kmodule('onload', 'v1')], cordoned)).toEqual([
      'kmm.node.kubernetes.io/ns.onload.ready',
      'kmm.node.kubernetes.io/ns.onload.version.ready',
    ]);
  });

  it('leaves them when the Module tolerates the taint, or the node has none', () => {
    const tolerant = kmodule('onload', 'v1', {
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }],
    });
    expect(taintedReadyLabels(labels, [tolerant], cordoned)).toEqual([]);
    expect(
      taintedReadyLabels(labels, [kmodule('onload', 'v1')], { ...cordoned, spec: {} }),
    ).toEqual([]);
  });
});
