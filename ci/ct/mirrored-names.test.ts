import { describe, expect, it } from '@jest/globals';
import { mirroredNames, mirrorRegistries } from './mirrored-names.ts';

describe('mirrored names for ct install', () => {
  it('collects each distinct global.imageRegistry, without a trailing slash', () => {
    const files = [
      'global:\n  imageRegistry: mirror.example.internal:5000/onload-mirror/\n',
      'onload:\n  version: 1\n',
      'global:\n  imageRegistry: mirror.example.internal:5000/onload-mirror\n',
      '',
    ];
    expect(mirrorRegistries(files)).toEqual(['mirror.example.internal:5000/onload-mirror']);
  });

  it('replaces the registry of the imported image, as the chart does', () => {
    expect(
      mirroredNames('localhost/onload/onload-hooks:0.1.0-abc', ['mirror.example:5000/m']),
    ).toEqual(['mirror.example:5000/m/onload/onload-hooks:0.1.0-abc']);
  });
});
