import { describe, expect, it } from '@jest/globals';
import { module } from '../testing/fixtures.ts';
import { checkImages, templatePattern } from './images.ts';

describe('image gate', () => {
  const m = {
    ...module('onload', 'v2'),
    imageTemplates: ['reg.example/onload-module:v2-${KERNEL_FULL_VERSION}'],
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
    const img = 'reg.example/onload-module:v2-5.14.0';
    expect(checkImages(m, undefined).kind).toBe('wait');
    expect(
      checkImages(m, {
        images: [{ image: 'reg.example/onload-module:v1-5.14.0', state: 'Exists' }],
      }),
    ).toEqual(
      expect.objectContaining({
        kind: 'wait',
        why: expect.stringContaining('previous Module spec') as unknown,
      }),
    );
    expect(checkImages(m, { images: [{ image: img }] }).kind).toBe('wait');
    expect(checkImages(m, { images: [{ image: img, state: 'NeedsBuilding' }] }).kind).toBe('wait');
    const failed = checkImages(m, { images: [{ image: img, state: 'DoesNotExist' }] });
    expect(failed).toEqual({
      kind: 'fail',
      message: expect.stringContaining(`${img} does not exist`) as unknown,
    });
    expect(checkImages(m, { images: [{ image: img, state: 'Exists' }] })).toEqual({
      kind: 'ready',
    });
  });
});
