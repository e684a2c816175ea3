import { describe, expect, it } from '@jest/globals';
import { kernel, kmodule, node, pod } from '../test-objects.ts';
import type { NodeView } from '../kube/views.ts';
import { imageCheckStep, imageConfirmed, wantedImages, type Mic } from './images.ts';
import { specDecision } from './nmc.ts';

const image = `img/onload:${kernel}-v1`;
const named = (name: string, labels: Record<string, string>): NodeView => ({
  ...node(labels),
  metadata: { ...node(labels).metadata, name },
});

function mic(images: string[], states: Record<string, string> = {}): Mic {
  return {
    metadata: { name: 'onload', namespace: 'ns', uid: 'mic-uid' },
    spec: { images: images.map((i) => ({ image: i })) },
    status: { imagesStates: Object.entries(states).map(([i, status]) => ({ image: i, status })) },
  };
}

const pullPod = (img: string, phase?: string) =>
  pod(
    { 'kmm.node.kubernetes.io/image-owner': 'onload' },
    { containers: [{ name: 'pull-image', image: img }], ...(phase ? { status: { phase } } : {}) },
  );

describe('wantedImages', () => {
  it('lists each image of the selected nodes once, with the first node by name', () => {
    const nodes = [named('n2', { sfc: 'yes' }), named('n1', { sfc: 'yes' }), named('n3', {})];
    expect([...wantedImages(kmodule('onload', 'v1'), nodes)]).toEqual([[image, 'n1']]);
  });
});

describe('imageCheckStep', () => {
  const wanted = new Map([[image, 'n1']]);

  it('writes the ModuleImagesConfig first, and again when the images change', () => {
    expect(imageCheckStep(wanted, undefined, [])).toEqual({ kind: 'write-spec', images: [image] });
    expect(imageCheckStep(wanted, mic(['img/old:1']), [])).toEqual({
      kind: 'write-spec',
      images: [image],
    });
  });

  it('pulls an unchecked image once, on the node named for it', () => {
    expect(imageCheckStep(wanted, mic([image]), [])).toEqual({ kind: 'pull', image, node: 'n1' });
    expect(imageCheckStep(wanted, mic([image]), [pullPod(image, 'Pending')])).toBeUndefined();
  });

  it('records Exists once the pull pod succeeded, then deletes the pod', () => {
    const done = pullPod(image, 'Succeeded');
    expect(imageCheckStep(wanted, mic([image]), [done])).toEqual({ kind: 'record', image });
    expect(imageCheckStep(wanted, mic([image], { [image]: 'Exists' }), [done])).toMatchObject({
      kind: 'delete-pod',
    });
    expect(imageCheckStep(wanted, mic([image], { [image]: 'Exists' }), [])).toBeUndefined();
  });

  it('deletes a pull pod of an image the Module no longer has', () => {
    expect(imageCheckStep(wanted, mic([image]), [pullPod('img/old:1')])).toMatchObject({
      kind: 'delete-pod',
      why: 'image no longer in the ModuleImagesConfig',
    });
  });
});

describe('the image gate on NodeModulesConfig entries', () => {
  const labelled = node({
    sfc: 'yes',
    'beta.kmm.node.kubernetes.io/version-worker-pod.ns.onload': 'v1',
  });

  it('configures a node only for an image its ModuleImagesConfig says exists', () => {
    const checked = mic([image], { [image]: 'Exists' });
    const unchecked = mic([image]);
    const decide = (m: Mic) =>
      specDecision(kmodule('onload', 'v1'), labelled, {
        nmcHasVersion: false,
        imageChecked: (_module, img) => imageConfirmed(m, img),
      }).kind;
    expect(decide(checked)).toBe('set');
    expect(decide(unchecked)).toBe('keep');
  });
});
