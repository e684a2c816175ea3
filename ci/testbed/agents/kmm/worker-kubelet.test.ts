import { describe, expect, it } from '@jest/globals';
import { pod } from '../test-objects.ts';
import { isManagerWorkerPod } from './worker-kubelet.ts';
import { runnerLabel } from './worker-pod.ts';

const action = 'kmm.node.kubernetes.io/worker-action';

describe('isManagerWorkerPod', () => {
  it('takes a bound KMM worker pod of the real manager', () => {
    expect(isManagerWorkerPod(pod({ [action]: 'Load' }))).toBe(true);
    expect(isManagerWorkerPod(pod({ [action]: 'Unload' }))).toBe(true);
  });

  it("leaves the stand-in's own workers, unbound pods and other pods alone", () => {
    expect(isManagerWorkerPod(pod({ [action]: 'Load', [runnerLabel]: 'kmm' }))).toBe(false);
    expect(isManagerWorkerPod(pod({ [action]: 'Load' }, { nodeName: '' }))).toBe(false);
    expect(isManagerWorkerPod(pod({ 'kmm.node.kubernetes.io/pull-pod-type': 'x' }))).toBe(false);
  });
});
