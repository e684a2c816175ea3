// The pre hook against a change of the Modules' loader that keeps onload.version (KMM would reload
// every node at once).
import { describe, expect, it } from '@jest/globals';
import { loader } from '../testing/fixtures.ts';
import { cluster, context, renderedLoaders, spec } from '../testing/phase-setup.ts';
import { runPre } from './pre.ts';

const mirrored = 'mirror.example/img:${KERNEL_FULL_VERSION}';

function withMirroredOnloadImage(version: string): ReturnType<typeof renderedLoaders> {
  return { onload: loader('onload', version, mirrored), sfc: loader('sfc', version) };
}

describe('pre: a loader change without a new version', () => {
  it('refuses it naming the changed field and both fixes, touching no node', async () => {
    const kube = cluster({ nodes: ['node-0', 'node-1'], from: 'v1', moduleVersion: 'v1' });
    const ctx = context(kube, spec({ version: 'v1' }), 3600, withMirroredOnloadImage('v1'));
    const result = await runPre(ctx);
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain(
      'KMM Module onload-system/onload: spec.moduleLoader.container.kernelMappings[0].containerImage "img:${KERNEL_FULL_VERSION}" → "mirror.example/img:${KERNEL_FULL_VERSION}"',
    );
    expect(result.message).toContain('reload the driver on every selected node at once');
    expect(result.message).toContain(
      'a new onload.version (a new driver build, or a new name for the same build',
    );
    expect(result.message).toContain('upgrade.applyLoaderChangesAtOnce=true');
    expect(result.message).not.toContain('onload-system/sfc');
    expect(kube.requests.get('patchNode')).toBeUndefined();
  });

  it('names a pull policy the release adds', async () => {
    const kube = cluster({ nodes: ['node-0'], from: 'v1', moduleVersion: 'v1' });
    const onload = loader('onload', 'v1');
    const container = { ...(onload.container as object), imagePullPolicy: 'Always' };
    const loaders = {
      ...renderedLoaders(spec({ version: 'v1' })),
      onload: { ...onload, container },
    };
    const result = await runPre(context(kube, spec({ version: 'v1' }), 3600, loaders));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain(
      'spec.moduleLoader.container.imagePullPolicy (unset) → "Always"',
    );
  });

  it('lets it through with upgrade.applyLoaderChangesAtOnce, warning that every node reloads', async () => {
    const kube = cluster({ nodes: ['node-0'], from: 'v1', moduleVersion: 'v1' });
    const s = spec({ version: 'v1', upgrade: { applyLoaderChangesAtOnce: true } });
    const ctx = context(kube, s, 3600, withMirroredOnloadImage('v1'));
    const result = await runPre(ctx);
    expect(result.exitCode).toBe(0);
    expect(ctx.lines.join('\n')).toContain(
      'upgrade.applyLoaderChangesAtOnce is set: KMM reloads the driver on every selected node at once',
    );
  });

  it('lets a loader change through when it comes with a new version (rolled node by node)', async () => {
    const kube = cluster({ nodes: ['node-0'], from: 'v1', moduleVersion: 'v1' });
    const result = await runPre(
      context(kube, spec({ version: 'v2' }), 3600, withMirroredOnloadImage('v2')),
    );
    expect(result.exitCode).toBe(0);
  });

  it('lets an upgrade through that changes nothing of the loaders', async () => {
    const kube = cluster({ nodes: ['node-0'], from: 'v1', moduleVersion: 'v1' });
    const result = await runPre(context(kube, spec({ version: 'v1' })));
    expect(result.exitCode).toBe(0);
  });
});
