import { describe, expect, it } from '@jest/globals';
import { pod } from '../test-objects.ts';
import { isMissingImage, pullPod, pullPodStatus } from './pull-pod.ts';

const at = new Date('2026-01-01T00:00:00Z');
const pulling = (image: string, waiting?: string) =>
  pod(
    { 'kmm.node.kubernetes.io/pull-pod-type': 'until-success' },
    {
      containers: [{ name: 'pull-image', image }],
      status: {
        phase: 'Pending',
        ...(waiting
          ? { containerStatuses: [{ restartCount: 0, state: { waiting: { reason: waiting } } }] }
          : {}),
      },
    },
  );

describe('pull pods', () => {
  it('are named, labelled and owned as KMM creates them', () => {
    const manifest = pullPod(
      { metadata: { name: 'onload', namespace: 'ns', uid: 'u' } },
      'img/onload:1',
      'worker-01',
      'abc123',
    );
    expect(manifest.metadata).toMatchObject({
      name: 'onload-pull-pod-abc123',
      namespace: 'ns',
      labels: {
        'kmm.node.kubernetes.io/image-owner': 'onload',
        'kmm.node.kubernetes.io/pull-pod-type': 'until-success',
      },
      ownerReferences: [{ kind: 'ModuleImagesConfig', name: 'onload', uid: 'u' }],
    });
    expect(manifest.spec).toMatchObject({ nodeName: 'worker-01', restartPolicy: 'Never' });
  });

  it('treat an image with a does-not-exist path segment as missing, and only that', () => {
    expect(isMissingImage('registry.invalid/does-not-exist/onload:1')).toBe(true);
    expect(isMissingImage('registry.invalid/onload:does-not-exist')).toBe(true);
    expect(isMissingImage('registry.invalid/does-not-exist-really/onload:1')).toBe(false);
  });

  it('succeed when the image pulls', () => {
    expect(pullPodStatus(pulling('img/onload:1'), at)).toMatchObject({
      phase: 'Succeeded',
      containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
  });

  it('report a missing image as a kubelet does: ErrImagePull, then ImagePullBackOff, then nothing new', () => {
    const image = 'img/does-not-exist/onload:1';
    expect(pullPodStatus(pulling(image), at)).toMatchObject({
      phase: 'Pending',
      containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull' } } }],
    });
    expect(pullPodStatus(pulling(image, 'ErrImagePull'), at)).toMatchObject({
      containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }],
    });
    expect(pullPodStatus(pulling(image, 'ImagePullBackOff'), at)).toBeUndefined();
  });
});
