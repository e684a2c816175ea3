import { describe, expect, it } from '@jest/globals';
import { kernel, kmodule, node } from '../test-objects.ts';
import {
  moduleConfigFor,
  nodeKernel,
  selectsNode,
  tolerates,
  untoleratedTaints,
} from './targeting.ts';

const cordon = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

describe('taints and tolerations', () => {
  it('follows Kubernetes toleration matching', () => {
    expect(tolerates({ key: cordon.key, operator: 'Exists' }, cordon)).toBe(true);
    expect(tolerates({ operator: 'Exists' }, cordon)).toBe(true);
    expect(tolerates({ operator: 'Exists', effect: 'NoExecute' }, cordon)).toBe(false);
    expect(
      tolerates({ key: 'a', value: '1' }, { key: 'a', value: '1', effect: 'NoSchedule' }),
    ).toBe(true);
    expect(
      tolerates({ key: 'a', value: '2' }, { key: 'a', value: '1', effect: 'NoSchedule' }),
    ).toBe(false);
    expect(tolerates({ key: 'b', operator: 'Exists' }, cordon)).toBe(false);
  });

  it('counts only NoSchedule and NoExecute taints that nothing tolerates', () => {
    const soft = { key: 'soft', effect: 'PreferNoSchedule' };
    const evict = { key: 'evict', effect: 'NoExecute' };
    expect(untoleratedTaints([cordon, soft, evict], [])).toEqual([cordon, evict]);
    expect(untoleratedTaints([cordon, evict], [{ key: cordon.key, operator: 'Exists' }])).toEqual([
      evict,
    ]);
  });
});

describe('moduleConfigFor', () => {
  it('takes the first matching kernel mapping and fills in the kernel version', () => {
    const config = moduleConfigFor(kmodule('onload', 'v1'), kernel);
    expect(config?.containerImage).toBe(`img/onload:${kernel}-v1`);
    expect(config?.kernelVersion).toBe(kernel);
    expect(config?.modprobe).toEqual({ dirName: '/opt', moduleName: 'onload' });
  });

  it('matches literal mappings exactly', () => {
    expect(moduleConfigFor(kmodule('onload', 'v1'), 'other-kernel')?.containerImage).toBe(
      'img/other:1',
    );
  });

  it('ignores an empty literal and falls through to the regexp of the same mapping, as KMM does', () => {
    const module = kmodule('onload', 'v1', {
      moduleLoader: {
        container: {
          modprobe: { moduleName: 'onload' },
          kernelMappings: [
            { literal: '', regexp: '^.+$', containerImage: 'x:${KERNEL_FULL_VERSION}' },
          ],
        },
      },
    });
    expect(moduleConfigFor(module, kernel)?.containerImage).toBe(`x:${kernel}`);
    const literalOnly = kmodule('onload', 'v1', {
      moduleLoader: {
        container: {
          modprobe: { moduleName: 'onload' },
          kernelMappings: [
            { literal: '', containerImage: 'empty:1' },
            { regexp: '^.+$', containerImage: 'any:1' },
          ],
        },
      },
    });
    expect(moduleConfigFor(literalOnly, kernel)?.containerImage).toBe('any:1');
  });

  it('has nothing to load when no mapping matches', () => {
    const module = kmodule('onload', 'v1', {
      moduleLoader: {
        container: {
          modprobe: { moduleName: 'onload' },
          kernelMappings: [{ literal: 'nope', containerImage: 'x:1' }],
        },
      },
    });
    expect(moduleConfigFor(module, kernel)).toBeUndefined();
  });

  it('reads the node kernel without a trailing +', () => {
    const n = node();
    expect(nodeKernel({ ...n, status: { nodeInfo: { kernelVersion: `${kernel}+` } } })).toBe(
      kernel,
    );
  });

  it('selects nodes by every selector label', () => {
    expect(selectsNode(kmodule('onload', 'v1'), { sfc: 'yes', other: 'x' })).toBe(true);
    expect(selectsNode(kmodule('onload', 'v1'), { sfc: 'no' })).toBe(false);
  });
});
