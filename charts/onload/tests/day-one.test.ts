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

describe.each(helmMajors)('Multus networks and huge pages, Helm %i', (helmMajor) => {
  const networks = async (): Promise<
    { name: string; config: Record<string, unknown>; resource?: string }[]
  > =>
    findAll(
      await render({ variant: 'multus-hugepages', helmMajor }),
      'NetworkAttachmentDefinition',
    ).map((o) => ({
      name: o.metadata.name,
      config: JSON.parse((o as unknown as { spec: { config: string } }).spec.config) as Record<
        string,
        unknown
      >,
      ...(o.metadata.annotations?.['k8s.v1.cni.cncf.io/resourceName']
        ? { resource: o.metadata.annotations['k8s.v1.cni.cncf.io/resourceName'] }
        : {}),
    }));

  it('writes each network as CNI JSON, adding cniVersion and name only when missing', async () => {
    expect(await networks()).toEqual([
      {
        name: 'sfc-macvlan',
        config: {
          cniVersion: '0.4.0',
          name: 'sfc-macvlan',
          type: 'macvlan',
          master: 'ens1f0np0',
          mode: 'bridge',
          ipam: { type: 'whereabouts', range: '192.168.100.0/24' },
        },
      },
      {
        name: 'sfc-vf',
        config: {
          cniVersion: '1.0.0',
          name: 'sfc-vf',
          type: 'host-device',
          pciBusID: '0000:3b:00.2',
        },
        resource: 'amd.com/sfc_vf',
      },
    ]);
  });

  it('creates no network and no huge-page MachineConfig by default', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    expect(findAll(objects, 'NetworkAttachmentDefinition')).toEqual([]);
    expect(findAll(objects, 'MachineConfig')).toEqual([]);
  });

  it('reserves the huge pages on the pool with kernel arguments', async () => {
    const objects = await render({ variant: 'multus-hugepages', helmMajor, namespace: 'onload' });
    const [mc, ...more] = findAll(objects, 'MachineConfig');
    expect(more).toEqual([]);
    expect(mc?.metadata.name).toBe('99-worker-onload-onload-hugepages');
    expect(mc?.metadata.labels?.['machineconfiguration.openshift.io/role']).toBe('worker');
    expect((mc as unknown as { spec: { kernelArguments: string[] } }).spec.kernelArguments).toEqual(
      ['default_hugepagesz=1G', 'hugepagesz=1G', 'hugepages=16'],
    );
  });
});
