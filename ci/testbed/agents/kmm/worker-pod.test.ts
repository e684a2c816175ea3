import { describe, expect, it } from '@jest/globals';
import { entry, kernel, pod } from '../test-objects.ts';
import {
  moduleNameLabel,
  workerActionLabel,
  workerConfigAnnotation,
  workerModuleVersionAnnotation,
} from './labels.ts';
import { attemptOutcome, crashLoopStatus, runnerLabel, workerPod } from './worker-pod.ts';

describe('workerPod', () => {
  it('is named, labelled and bound to its node as KMM documents, and KWOK leaves it alone', () => {
    const e = entry('onload', 'img/onload:1');
    const p = workerPod('worker-01', 'Load', e, 'v1', { name: 'worker-01', uid: 'nmc-uid' });
    expect(p.metadata).toMatchObject({
      name: 'kmm-worker-worker-01-onload',
      namespace: 'ns',
      labels: { [workerActionLabel]: 'Load', [moduleNameLabel]: 'onload', [runnerLabel]: 'kmm' },
      annotations: {
        [workerModuleVersionAnnotation]: 'v1',
        [workerConfigAnnotation]: JSON.stringify(e.config),
      },
    });
    expect(p.spec).toMatchObject({
      nodeName: 'worker-01',
      restartPolicy: 'OnFailure',
      initContainers: [{ name: 'image-extractor', image: 'img/onload:1' }],
      containers: [{ name: 'worker', args: ['kmod', 'load', '/etc/kmm-worker/config.yaml'] }],
    });
  });
});

describe('attemptOutcome', () => {
  const base = { kmod: 'onload', kernel, fault: undefined, loadedKmods: [] };

  it('succeeds without a fault', () => {
    expect(attemptOutcome({ ...base, action: 'Load' })).toEqual({ kind: 'success' });
    expect(attemptOutcome({ ...base, action: 'Unload' })).toEqual({ kind: 'success' });
  });

  it('fails or hangs as injected', () => {
    expect(attemptOutcome({ ...base, action: 'Load', fault: 'fail' })).toEqual({
      kind: 'fail',
      message: `modprobe: FATAL: Module onload not found in directory /tmp/opt/lib/modules/${kernel}`,
    });
    expect(attemptOutcome({ ...base, action: 'Load', fault: 'hang' })).toEqual({ kind: 'hang' });
  });

  it('refuses to unload sfc while onload is loaded', () => {
    const sfc = { ...base, kmod: 'sfc', action: 'Unload' as const };
    expect(attemptOutcome({ ...sfc, loadedKmods: ['sfc', 'onload'] })).toEqual({
      kind: 'fail',
      message: 'modprobe: FATAL: Module sfc is in use.',
    });
    expect(attemptOutcome({ ...sfc, loadedKmods: ['sfc'] })).toEqual({ kind: 'success' });
  });
});

describe('crashLoopStatus', () => {
  it('counts the restart and says why in the waiting state', () => {
    const p = pod({}, { status: { phase: 'Running', containerStatuses: [{ restartCount: 2 }] } });
    const status = crashLoopStatus(
      p,
      new Date('2026-01-01T00:00:00Z'),
      'modprobe: FATAL: Module sfc is in use.',
    );
    const worker = status.containerStatuses?.[0];
    expect(worker?.restartCount).toBe(3);
    expect(worker?.state.waiting?.reason).toBe('CrashLoopBackOff');
    expect(worker?.state.waiting?.message).toContain('Module sfc is in use');
    expect(worker?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });
});
