// The optional components (sfptpd, MachineConfig, Dockerfile ConfigMaps) and the pod settings the
// node agents take from the values.
import { describe, expect, it } from '@jest/globals';
import {
  allows,
  configMap,
  container,
  daemonSet,
  findAll,
  has,
  job,
  kmmModule,
  machineConfig,
  podSpec,
  role,
  type MachineConfig,
} from './lib/manifests.ts';
import {
  chartDefaults,
  defaultNamespace,
  effectiveSelector,
  helmMajors,
  render,
} from './lib/render.ts';

const ns = defaultNamespace;
const mcName = `99-worker-${ns}-onload-sfc`;

function ignitionFile(mc: MachineConfig, path: string): string {
  const file = mc.spec.config.storage.files.find((f) => f.path === path);
  if (!file) throw new Error(`MachineConfig has no file ${path}`);
  const [, data = ''] = file.contents.source.split(';base64,');
  return Buffer.from(data, 'base64').toString('utf8');
}

describe.each(helmMajors)('sfptpd, Helm %i', (helmMajor) => {
  it('is not deployed while sfptpd.image is null', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    expect(
      objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'sfptpd'),
    ).toEqual([]);
  });

  it('runs privileged on the host network of the selected PTP nodes with its config', async () => {
    const objects = await render({ variant: 'sfptpd-on', helmMajor });
    const ds = daemonSet(objects, 'onload-sfptpd');
    const spec = podSpec(ds);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.nodeSelector).toEqual({
      ...(await effectiveSelector('sfptpd-on')),
      'node-role.kubernetes.io/ptp': '',
    });
    expect(spec.serviceAccountName).toBe('onload-sfptpd');
    const c = container(spec, 'sfptpd');
    expect(c.image).toBe('docker.io/onload/sfptpd:3.7.1.1007');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toEqual(['-f', '/etc/sfptpd/sfptpd.cfg', '-v']);
    expect(c.securityContext?.privileged).toBe(true);
    expect(c.resources).toEqual({ requests: { cpu: '20m', memory: '32Mi' } });
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/sfptpd', readOnly: true }]);
    expect(spec.volumes).toEqual([
      {
        name: 'config',
        configMap: { name: 'onload-sfptpd', items: [{ key: 'sfptpd.cfg', path: 'sfptpd.cfg' }] },
      },
    ]);
    expect(configMap(objects, 'onload-sfptpd').data?.['sfptpd.cfg']).toContain(
      'sync_module ptp ptp1\n',
    );
    expect(ds.spec?.template.metadata?.annotations?.['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(
      allows(
        role(objects, 'onload-sfptpd').rules,
        'security.openshift.io',
        'securitycontextconstraints',
        'use',
        'privileged',
      ),
    ).toBe(true);
  });

  it('uses an existing ConfigMap instead of creating one', async () => {
    const objects = await render({ variant: 'air-gapped-registry', helmMajor });
    expect(has(objects, 'ConfigMap', 'onload-sfptpd')).toBe(false);
    expect(podSpec(daemonSet(objects, 'onload-sfptpd')).volumes?.[0]?.configMap?.name).toBe(
      'sfptpd-site-config',
    );
  });
});

describe.each(helmMajors)('MachineConfig, Helm %i', (helmMajor) => {
  it('is not rendered by default', async () => {
    expect(findAll(await render({ variant: 'minimal', helmMajor }), 'MachineConfig')).toEqual([]);
  });

  it('targets the role pool with an Ignition 3 config under a release-scoped 99- name', async () => {
    const mc = machineConfig(await render({ variant: 'machineconfig-on', helmMajor }), mcName);
    expect(mc.apiVersion).toBe('machineconfiguration.openshift.io/v1');
    expect(mc.metadata.labels?.['machineconfiguration.openshift.io/role']).toBe('worker');
    expect(mc.spec.config.ignition.version).toMatch(/^3\./);
    const other = await render({
      variant: 'machineconfig-on',
      helmMajor,
      overrides: { machineConfig: { role: 'trading' } },
    });
    expect(
      machineConfig(other, `99-trading-${ns}-onload-sfc`).metadata.labels?.[
        'machineconfiguration.openshift.io/role'
      ],
    ).toBe('trading');
  });

  it('loads sfc from the module image before the network, pulls it after the network, keeps it across reboots', async () => {
    const mc = machineConfig(await render({ variant: 'machineconfig-on', helmMajor }), mcName);
    const units = Object.fromEntries(mc.spec.config.systemd.units.map((u) => [u.name, u]));
    const load = units['onload-sfc-load.service'];
    expect(load?.enabled).toBe(true);
    expect(load?.contents).toMatch(/^Before=network-pre\.target$/m);
    expect(load?.contents).toMatch(/^ExecStart=\/usr\/local\/bin\/onload-sfc-load$/m);
    const pull = units['onload-sfc-pull.service'];
    expect(pull?.contents).toMatch(/^After=network-online\.target$/m);
    expect(pull?.contents).toMatch(/^ExecStart=\/usr\/local\/bin\/onload-sfc-pull$/m);
    expect(units['crio-wipe.service']?.mask).toBe(true);

    expect(ignitionFile(mc, '/etc/onload/sfc-module-image')).toBe(
      'registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
    );
    const loadScript = ignitionFile(mc, '/usr/local/bin/onload-sfc-load');
    expect(loadScript).toMatch(/^#!\/bin\/bash\n/);
    expect(loadScript).toContain("image=${template//'${KERNEL_FULL_VERSION}'/$kver}");
    expect(loadScript).toContain('modprobe -v -d /opt sfc');
    const pullScript = ignitionFile(mc, '/usr/local/bin/onload-sfc-pull');
    expect(pullScript).toContain('podman pull --authfile /var/lib/kubelet/config.json "$image"');
    expect(pullScript).toContain('systemctl reboot');
    for (const f of mc.spec.config.storage.files) {
      expect(f.mode).toBe(f.path.startsWith('/usr/local/bin/') ? 0o755 : 0o644);
    }
  });

  it('takes machineConfig.moduleImage over the first mapping, moved to global.imageRegistry', async () => {
    const mc = machineConfig(
      await render({
        variant: 'machineconfig-on',
        helmMajor,
        overrides: {
          machineConfig: { moduleImage: 'quay.example/sfc/module:1-${KERNEL_FULL_VERSION}' },
          global: { imageRegistry: 'mirror.example' },
        },
      }),
      mcName,
    );
    expect(ignitionFile(mc, '/etc/onload/sfc-module-image')).toBe(
      'mirror.example/sfc/module:1-${KERNEL_FULL_VERSION}',
    );
  });

  it('goes with sfc loaded at boot instead of by KMM', async () => {
    expect(has(await render({ variant: 'machineconfig-on', helmMajor }), 'Module', 'sfc')).toBe(
      false,
    );
  });
});

describe.each(helmMajors)('kernel-module Dockerfiles, Helm %i', (helmMajor) => {
  it('creates none by default', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    expect(
      findAll(objects, 'ConfigMap').filter((c) =>
        c.metadata.name.startsWith('onload-module-dockerfile-'),
      ),
    ).toEqual([]);
  });

  it('creates the OpenShift Driver Toolkit Dockerfile the build mapping refers to', async () => {
    const objects = await render({ variant: 'openshift-in-cluster-build', helmMajor });
    const build = kmmModule(objects, 'onload').spec.moduleLoader.container.kernelMappings[0]
      ?.build as {
      dockerfileConfigMap: { name: string };
    };
    const dockerfile = configMap(objects, build.dockerfileConfigMap.name).data?.dockerfile ?? '';
    expect(dockerfile).toMatch(/^FROM \$\{DTK_AUTO\} AS build$/m);
    expect(dockerfile).toMatch(/^FROM \$\{ONLOAD_SOURCE\} AS onload-source$/m);
    expect(dockerfile).toContain('ARG KERNEL_FULL_VERSION');
    expect(dockerfile).toContain(
      'scripts/onload_build --kernel --kernelver "${KERNEL_FULL_VERSION}" ${ONLOAD_BUILD_PARAMS}',
    );
    expect(dockerfile).toContain(
      'scripts/onload_install --nobuild --kernelfiles --kernelver "${KERNEL_FULL_VERSION}"',
    );
    expect(dockerfile).toContain('depmod -b /opt "${KERNEL_FULL_VERSION}"');
    expect(dockerfile).toContain('microdnf install -y kmod');
    expect(dockerfile).toMatch(
      /^COPY --from=build \/opt\/lib\/modules\/\$\{KERNEL_FULL_VERSION\} /m,
    );
  });

  it('creates an Ubuntu Dockerfile on request', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { moduleBuild: { dockerfiles: ['ubuntu', 'dtk-ubi'] } },
    });
    const dockerfile = configMap(objects, 'onload-module-dockerfile-ubuntu').data?.dockerfile ?? '';
    expect(dockerfile).toContain('"linux-headers-${KERNEL_FULL_VERSION}"');
    expect(dockerfile).toMatch(/^FROM \$\{UBUNTU_IMAGE\} AS build$/m);
    expect(has(objects, 'ConfigMap', 'onload-module-dockerfile-dtk-ubi')).toBe(true);
  });
});

describe.each(helmMajors)('node agent pod settings, Helm %i', (helmMajor) => {
  const agents = ['onload-device-plugin', 'onload-control-plane', 'onload-sfptpd'];

  it('adds tolerations to the node agents and, after moduleTolerations.defaults, to the Modules only when given (without a cluster to ask whether KMM >= 2.3 has Module tolerations)', async () => {
    const tolerations = [{ key: 'trading', operator: 'Exists', effect: 'NoSchedule' }];
    const defaults = (await chartDefaults()).moduleTolerations as { defaults: unknown[] };
    expect(defaults.defaults).toHaveLength(3);
    const objects = await render({ variant: 'sfptpd-on', helmMajor, overrides: { tolerations } });
    for (const name of ['onload', 'sfc'])
      expect(kmmModule(objects, name).spec.tolerations).toEqual([
        ...defaults.defaults,
        ...tolerations,
      ]);
    for (const name of agents)
      expect(podSpec(daemonSet(objects, name)).tolerations).toEqual(tolerations);
    const plain = await render({ variant: 'sfptpd-on', helmMajor });
    for (const name of ['onload', 'sfc'])
      expect('tolerations' in kmmModule(plain, name).spec).toBe(false);
  });

  it('applies priorityClassName, pull secrets and resources', async () => {
    const objects = await render({ variant: 'pre-built-images', helmMajor });
    for (const name of ['onload-device-plugin', 'onload-control-plane']) {
      const spec = podSpec(daemonSet(objects, name));
      expect(spec.priorityClassName).toBe('system-node-critical');
      expect(spec.imagePullSecrets).toEqual([{ name: 'onload-pull' }, { name: 'other-pull' }]);
      expect(spec.containers[0]?.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' } });
    }
    for (const j of findAll(objects, 'Job')) {
      expect(podSpec(job(objects, j.metadata.name)).imagePullSecrets).toEqual([
        { name: 'onload-pull' },
        { name: 'other-pull' },
      ]);
    }
  });

  it('leaves pod settings out when not given', async () => {
    const spec = podSpec(
      daemonSet(await render({ variant: 'minimal', helmMajor }), 'onload-device-plugin'),
    );
    expect(spec.priorityClassName).toBeUndefined();
    expect(spec.imagePullSecrets).toBeUndefined();
    expect(spec.containers[0]?.resources).toBeUndefined();
  });
});
