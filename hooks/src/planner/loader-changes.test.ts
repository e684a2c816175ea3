import { describe, expect, it } from '@jest/globals';
import { loader, module } from '../testing/fixtures.ts';
import { loaderChanges, sameVersionLoaderChanges } from './loader-changes.ts';

const withContainer = (base: Record<string, unknown>, extra: Record<string, unknown>) => ({
  ...base,
  container: { ...(base.container as Record<string, unknown>), ...extra },
});

describe('loader changes other than the version', () => {
  it('ignores the version, values KMM fills in and its rename of inTreeModuleToRemove', () => {
    const rendered = loader('sfc', 'v2');
    const stored = withContainer(loader('sfc', 'v1'), {
      inTreeModuleToRemove: undefined,
      inTreeModulesToRemove: ['sfc'],
      modprobe: { moduleName: 'sfc', parameters: ['--first-time'], dirName: '/opt' },
      registryTLS: {},
    });
    expect(loaderChanges(stored, rendered)).toEqual([]);
  });

  it('names each changed, added and removed field with both values', () => {
    const stored = withContainer(loader('onload', 'v1'), { imagePullPolicy: 'IfNotPresent' });
    const rendered = withContainer(loader('onload', 'v1', 'mirror/img'), {
      registryTLS: { insecure: true },
    });
    expect(loaderChanges(stored, rendered)).toEqual([
      { path: 'moduleLoader.container.imagePullPolicy', from: 'IfNotPresent', to: undefined },
      {
        path: 'moduleLoader.container.kernelMappings[0].containerImage',
        from: 'img:${KERNEL_FULL_VERSION}',
        to: 'mirror/img',
      },
      { path: 'moduleLoader.container.registryTLS', from: undefined, to: { insecure: true } },
    ]);
  });

  it('checks only Modules that already run the desired version', () => {
    const desired = {
      onload: loader('onload', 'v2', 'mirror/img'),
      sfc: loader('sfc', 'v2', 'mirror/img'),
    };
    const found = sameVersionLoaderChanges({
      namespace: 'ns',
      desiredVersion: 'v2',
      modules: { onload: module('onload', 'v1'), sfc: module('sfc', 'v2') },
      desired,
    });
    expect(found.map((f) => f.module)).toEqual(['sfc']);
  });
});
