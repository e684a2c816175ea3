// Day-one settings of the secure-boot-private-registry variant: KMM signing (Secure Boot), the
// registry TLS switches and pull secrets, as KMM and the pods receive them.
import { describe, expect, it } from '@jest/globals';
import {
  findAll,
  kmmModule,
  podSpec,
  type DaemonSet,
  type Deployment,
  type Job,
} from './lib/manifests.ts';
import { helmMajors, render, renderError } from './lib/render.ts';

const variant = 'secure-boot-private-registry';

describe.each(helmMajors)('secure boot and private registry, Helm %i', (helmMajor) => {
  it('signs on the onload Module only; the sfc Module loads the signed image', async () => {
    const objects = await render({ variant, helmMajor });
    const onload = kmmModule(objects, 'onload').spec.moduleLoader.container as Record<
      string,
      unknown
    >;
    const sfc = kmmModule(objects, 'sfc').spec.moduleLoader.container as Record<string, unknown>;
    expect(onload.sign).toEqual({
      keySecret: { name: 'onload-signing-key' },
      certSecret: { name: 'onload-signing-cert' },
      unsignedImage:
        'registry.corp.example:5000/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}-unsigned',
      unsignedImageRegistryTLS: { insecureSkipTLSVerify: true },
      filesToSign: [
        '/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/onload.ko',
        '/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/sfc.ko',
      ],
    });
    expect(sfc.sign).toBeUndefined();
    for (const container of [onload, sfc])
      expect(container.registryTLS).toEqual({ insecureSkipTLSVerify: true });
  });

  it('gives KMM the first pull secret and every pod all of them', async () => {
    const objects = await render({ variant, helmMajor });
    for (const name of ['onload', 'sfc'])
      expect(kmmModule(objects, name).spec.imageRepoSecret).toEqual({ name: 'corp-registry' });
    const workloads = [
      ...findAll(objects, 'DaemonSet'),
      ...findAll(objects, 'Deployment'),
      ...findAll(objects, 'Job'),
    ] as (DaemonSet | Deployment | Job)[];
    expect(workloads.length).toBeGreaterThanOrEqual(5);
    for (const w of workloads)
      expect([w.metadata?.name, podSpec(w).imagePullSecrets]).toEqual([
        w.metadata?.name,
        [{ name: 'corp-registry' }],
      ]);
  });

  it('moves the unsigned image to global.imageRegistry too', async () => {
    const objects = await render({
      variant,
      helmMajor,
      overrides: { global: { imageRegistry: 'mirror.internal' } },
    });
    const sign = (
      kmmModule(objects, 'onload').spec.moduleLoader.container as unknown as {
        sign: { unsignedImage: string };
      }
    ).sign;
    expect(sign.unsignedImage).toBe(
      'mirror.internal/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}-unsigned',
    );
  });

  it('refuses signing with nothing to sign', async () => {
    const error = await renderError({
      variant: 'minimal',
      helmMajor,
      overrides: {
        onload: {
          sign: {
            keySecret: { name: 'k' },
            certSecret: { name: 'c' },
            filesToSign: ['/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/onload.ko'],
          },
        },
      },
    });
    expect(error).toContain(
      'onload.sign has no unsignedImage and onload.kernelMappings[0] has no build',
    );
  });
});
