import { describe, expect, it } from '@jest/globals';
import { module, ns, pullPod } from '../testing/fixtures.ts';
import { checkImages, templatePattern } from './images.ts';

describe('image gate', () => {
  const m = {
    ...module('onload', 'v2'),
    imageTemplates: ['onload-module:v2-${KERNEL_FULL_VERSION}'],
  };
  const img = 'onload-module:v2-5.14.0';
  const previousImg = 'onload-module:v1-5.14.0';
  const notChecked = { images: [{ image: img }] };
  const notFound = {
    reason: 'ErrImagePull',
    message: `rpc error: code = NotFound desc = failed to pull and unpack image "${img}": not found`,
  };

  it('matches rendered images against the Module templates', () => {
    expect(
      templatePattern('r/x:${KERNEL_FULL_VERSION}-${MOD_NAME}').test(
        'r/x:5.14.0-427.el9.x86_64-onload',
      ),
    ).toBe(true);
    expect(templatePattern('r/x:v2-${KERNEL_FULL_VERSION}').test('r/x:v1-5.14')).toBe(false);
  });

  it('waits for a MIC that is missing, stale or still checking; fails on DoesNotExist; passes on Exists', () => {
    expect(checkImages(m, undefined, []).kind).toBe('wait');
    expect(checkImages(m, { images: [{ image: previousImg, state: 'Exists' }] }, [])).toEqual(
      expect.objectContaining({
        kind: 'wait',
        why: expect.stringContaining('previous Module spec') as unknown,
      }),
    );
    expect(checkImages(m, notChecked, []).kind).toBe('wait');
    expect(checkImages(m, { images: [{ image: img, state: 'NeedsBuilding' }] }, []).kind).toBe(
      'wait',
    );
    const failed = checkImages(m, { images: [{ image: img, state: 'DoesNotExist' }] }, []);
    expect(failed).toEqual({
      kind: 'fail',
      message: expect.stringContaining(`${img} does not exist`) as unknown,
    });
    expect(checkImages(m, { images: [{ image: img, state: 'Exists' }] }, [])).toEqual({
      kind: 'ready',
    });
  });

  it.each([notFound, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${img}"` }])(
    'fails at the first $reason of a current image, since no node has been touched and running the upgrade again is cheap',
    (waiting) => {
      const gate = checkImages(m, notChecked, [pullPod('onload', img, { waiting })]);
      expect(gate.kind).toBe('fail');
      const message = gate.kind === 'fail' ? gate.message : '';
      for (const part of [
        `Module ${ns}/onload`,
        img,
        `${ns}/onload-pull-pod-x7k2p: ${waiting.reason}: ${waiting.message}`,
        'No node was touched',
        'Push the image, or fix onload.kernelMappings or the image settings',
        'then upgrade again',
        'If the registry was only briefly unreachable, upgrade again',
        `kubectl delete pod -n ${ns} onload-pull-pod-x7k2p`,
      ])
        expect(message).toContain(part);
    },
  );

  it('fails even before the MIC exists or while it lists the previous images', () => {
    const failing = [pullPod('onload', img, { waiting: notFound })];
    expect(checkImages(m, undefined, failing).kind).toBe('fail');
    expect(checkImages(m, { images: [{ image: previousImg }] }, failing).kind).toBe('fail');
  });

  it("ignores a failing pull pod of the previous spec's image: passes on Exists, fails only on the current image", () => {
    const stale = pullPod('onload', previousImg, { waiting: notFound, suffix: 'old11' });
    expect(checkImages(m, { images: [{ image: img, state: 'Exists' }] }, [stale])).toEqual({
      kind: 'ready',
    });
    expect(checkImages(m, notChecked, [stale]).kind).toBe('wait');
    const gate = checkImages(m, notChecked, [
      stale,
      pullPod('onload', img, { waiting: notFound, suffix: 'new22' }),
    ]);
    expect(gate.kind).toBe('fail');
    const message = gate.kind === 'fail' ? gate.message : '';
    expect(message).toContain('onload-pull-pod-new22');
    expect(message).not.toContain(previousImg);
    expect(message).not.toContain('onload-pull-pod-old11');
  });

  it('keeps waiting while the pull pod is still running or waits for anything but a pull failure, naming the pod', () => {
    expect(checkImages(m, notChecked, [pullPod('onload', img)])).toEqual({
      kind: 'wait',
      why: `ModuleImagesConfig ${ns}/onload: ${img} not checked yet (pull pod onload-pull-pod-x7k2p still running)`,
    });
    for (const reason of ['ContainerCreating', 'PodInitializing', 'CreateContainerConfigError'])
      expect(checkImages(m, notChecked, [pullPod('onload', img, { waiting: { reason } })])).toEqual(
        {
          kind: 'wait',
          why: `ModuleImagesConfig ${ns}/onload: ${img} not checked yet (pull pod onload-pull-pod-x7k2p ${reason})`,
        },
      );
  });

  it('leaves the failed pull of an image KMM builds or signs to KMM, which turns it into a build', () => {
    const oneTime = pullPod('onload', img, { waiting: notFound, type: 'one-time-pull' });
    expect(checkImages(m, notChecked, [oneTime])).toEqual({
      kind: 'wait',
      why: expect.stringContaining('pull pod onload-pull-pod-x7k2p ErrImagePull') as unknown,
    });
  });
});
