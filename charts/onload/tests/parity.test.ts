// The upstream Onload Operator parity checks (items 1-17: what the Go operator's manifests set), adapted
// to this chart's deliberate divergences (listed with their reasons in charts/onload/README.md).
import { describe, expect, it } from '@jest/globals';
import { kmmReadyLabel, pausedLabel, userlandVersionLabel } from '../../../hooks/src/contract.ts';
import {
  allows,
  container,
  daemonSet,
  envOf,
  findAll,
  has,
  kmmModule,
  podSpec,
  role,
  type DaemonSet,
  type KernelMapping,
} from './lib/manifests.ts';
import {
  defaultNamespace,
  effectiveSelector,
  helmMajors,
  render,
  renderError,
  variantValues,
  type Variant,
} from './lib/render.ts';

const ns = defaultNamespace;
const dpName = 'onload-device-plugin';
const cpName = 'onload-control-plane';

interface ValuesMapping {
  readonly regexp: string;
  readonly kernelModuleImage: string;
  readonly sfc?: object;
  readonly build?: unknown;
}

async function valuesOf(variant: Variant): Promise<{
  onload: {
    version: string;
    userImage: string;
    imagePullPolicy?: string;
    kernelMappings: ValuesMapping[];
  };
  devicePlugin?: { imagePullPolicy?: string };
  imagePullSecrets?: { name: string }[];
}> {
  return (await variantValues(variant)) as never;
}

describe.each(helmMajors)('upstream parity, Helm %i', (helmMajor) => {
  const rendered = (variant: Variant, overrides?: Record<string, unknown>) =>
    render({ variant, helmMajor, ...(overrides ? { overrides } : {}) });

  describe('naming and identity (items 1-3)', () => {
    it('names the Modules onload and sfc (seed names) and the device plugin DaemonSet after the release, all in the release namespace', async () => {
      const objects = await rendered('minimal');
      expect(findAll(objects, 'Module').map((m) => m.metadata.name)).toEqual(['onload', 'sfc']);
      expect(has(objects, 'DaemonSet', dpName)).toBe(true);
      for (const o of [...findAll(objects, 'Module'), ...findAll(objects, 'DaemonSet')]) {
        expect(o.metadata.namespace).toBe(ns);
      }
    });

    it('refuses a namespace longer than KMM allows (len(namespace) + len("onload") <= 40)', async () => {
      const longest = 'n'.repeat(34);
      await expect(
        render({ variant: 'minimal', helmMajor, namespace: longest }),
      ).resolves.toBeDefined();
      const error = await renderError({ variant: 'minimal', helmMajor, namespace: `${longest}x` });
      expect(error).toContain(`namespace "${longest}x" is 35 characters long`);
      expect(error).toContain('at most 34 characters');
    });

    it('labels Modules and DaemonSets with part-of, instance, component and managed-by Helm', async () => {
      const objects = await rendered('minimal');
      for (const m of findAll(objects, 'Module')) {
        expect(m.metadata.labels).toMatchObject({
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/part-of': 'onload',
          'app.kubernetes.io/instance': 'onload',
          'app.kubernetes.io/component': 'module',
        });
      }
      expect(daemonSet(objects, dpName).metadata?.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/part-of': 'onload',
        'app.kubernetes.io/component': 'device-plugin',
      });
    });
  });

  describe('Modules (items 4-7)', () => {
    it('loads onload and sfc with modprobe --first-time from /opt, sfc replacing the in-tree driver', async () => {
      const objects = await rendered('minimal');
      for (const [name, inTree] of [
        ['onload', undefined],
        ['sfc', 'sfc'],
      ] as const) {
        const c = kmmModule(objects, name).spec.moduleLoader.container;
        expect(c.modprobe.moduleName).toBe(name);
        expect(c.modprobe.parameters).toEqual(['--first-time']);
        expect(c.modprobe.dirName ?? '/opt').toBe('/opt');
        expect(c.modprobe.firmwarePath).toBeUndefined();
        expect(c.inTreeModuleToRemove).toBe(inTree);
      }
    });

    it.each(['minimal', 'openshift-in-cluster-build', 'pre-built-images'] as const)(
      'copies version, pull policy, ServiceAccount and selector into both Modules (%s)',
      async (variant) => {
        const objects = await rendered(variant);
        const values = await valuesOf(variant);
        for (const name of ['onload', 'sfc']) {
          const m = kmmModule(objects, name);
          expect(m.spec.moduleLoader.container.version).toBe(values.onload.version);
          expect(m.spec.moduleLoader.container.imagePullPolicy).toBe(values.onload.imagePullPolicy);
          expect(m.spec.moduleLoader.serviceAccountName).toBe('onload-workload');
          expect(m.spec.selector).toEqual(await effectiveSelector(variant));
          expect(m.spec.devicePlugin).toBeUndefined();
        }
      },
    );

    it('sets imageRepoSecret to the first pull secret only when pull secrets are given', async () => {
      expect(kmmModule(await rendered('minimal'), 'onload').spec.imageRepoSecret).toBeUndefined();
      const objects = await rendered('pre-built-images');
      for (const name of ['onload', 'sfc']) {
        expect(kmmModule(objects, name).spec.imageRepoSecret).toEqual({ name: 'onload-pull' });
      }
    });

    it('passes the ServiceAccount the user names to the module loader', async () => {
      expect(
        kmmModule(await rendered('sfc-off'), 'onload').spec.moduleLoader.serviceAccountName,
      ).toBe('default');
    });

    it.each(['minimal', 'openshift-in-cluster-build', 'pre-built-images'] as const)(
      'keeps kernel mappings in order with the images byte for byte, build only on onload (%s)',
      async (variant) => {
        const objects = await rendered(variant);
        const { onload } = await valuesOf(variant);
        const expected: KernelMapping[] = onload.kernelMappings.map((m) => ({
          regexp: m.regexp,
          containerImage: m.kernelModuleImage,
          ...(m.build === undefined ? {} : { build: m.build }),
        }));
        expect(kmmModule(objects, 'onload').spec.moduleLoader.container.kernelMappings).toEqual(
          expected,
        );
        for (const m of kmmModule(objects, 'sfc').spec.moduleLoader.container.kernelMappings) {
          expect(m.build).toBeUndefined();
        }
      },
    );

    it('lets the literal ${KERNEL_FULL_VERSION} reach KMM unrendered', async () => {
      const objects = await rendered('minimal');
      for (const name of ['onload', 'sfc']) {
        const [mapping] = kmmModule(objects, name).spec.moduleLoader.container.kernelMappings;
        expect(mapping?.containerImage).toBe(
          'registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
        );
      }
    });

    it('gives the sfc Module only the mappings marked sfc: {} when any is marked', async () => {
      const objects = await rendered('pre-built-images');
      const { onload } = await valuesOf('pre-built-images');
      const marked = onload.kernelMappings.filter((m) => m.sfc !== undefined);
      expect(marked).toHaveLength(2);
      expect(kmmModule(objects, 'sfc').spec.moduleLoader.container.kernelMappings).toEqual(
        marked.map((m) => ({ regexp: m.regexp, containerImage: m.kernelModuleImage })),
      );
    });

    it('gives the sfc Module every mapping when none is marked', async () => {
      const objects = await rendered('minimal');
      expect(kmmModule(objects, 'sfc').spec.moduleLoader.container.kernelMappings).toEqual(
        kmmModule(objects, 'onload').spec.moduleLoader.container.kernelMappings,
      );
    });

    it('creates the sfc Module exactly when sfc.enabled (seed default on; upstream: when a mapping is marked)', async () => {
      expect(has(await rendered('sfc-off'), 'Module', 'sfc')).toBe(false);
      expect(has(await rendered('sfc-off'), 'Module', 'onload')).toBe(true);
      expect(has(await rendered('minimal'), 'Module', 'sfc')).toBe(true);
    });
  });

  describe('DaemonSets (items 8-15)', () => {
    const bothDaemonSets = async (variant: Variant): Promise<DaemonSet[]> => {
      const objects = await rendered(variant);
      return [daemonSet(objects, dpName), daemonSet(objects, cpName)];
    };

    it.each(['minimal', 'openshift-in-cluster-build'] as const)(
      'runs both OnDelete, on the host network/PID/IPC, on the selected nodes (%s)',
      async (variant) => {
        const selector = await effectiveSelector(variant);
        for (const ds of await bothDaemonSets(variant)) {
          expect(ds.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
          const spec = podSpec(ds);
          expect([spec.hostNetwork, spec.hostPID, spec.hostIPC]).toEqual([true, true, true]);
          expect(spec.nodeSelector).toEqual(selector);
          expect(spec.tolerations).toBeUndefined();
        }
      },
    );

    it('gates both on the KMM ready label of onload and on the absence of the pause label', async () => {
      for (const ds of await bothDaemonSets('minimal')) {
        expect(
          podSpec(ds).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
        ).toEqual({
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: kmmReadyLabel(ns, 'onload'), operator: 'Exists' },
                { key: pausedLabel(ns), operator: 'DoesNotExist' },
              ],
            },
          ],
        });
      }
    });

    it('labels both DaemonSets and their pods with the userland version', async () => {
      for (const ds of await bothDaemonSets('minimal')) {
        expect(ds.metadata?.labels?.[userlandVersionLabel]).toBe('8.1.2.26');
        expect(ds.spec?.template.metadata?.labels?.[userlandVersionLabel]).toBe('8.1.2.26');
        expect(ds.spec?.selector.matchLabels?.[userlandVersionLabel]).toBeUndefined();
      }
    });

    it('copies the userland to the host from the userImage in the privileged init container', async () => {
      const values = await valuesOf('openshift-in-cluster-build');
      const init = container(
        podSpec(daemonSet(await rendered('openshift-in-cluster-build'), dpName)),
        'init',
        true,
      );
      expect(init.image).toBe(values.onload.userImage);
      expect(init.imagePullPolicy).toBe('IfNotPresent');
      expect(init.securityContext?.privileged).toBe(true);
      expect(init.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      expect(init.command?.[2]).toContain('cp -TRv /opt/onload /host/onload');
      expect(init.volumeMounts).toContainEqual({ name: 'host-onload', mountPath: '/host/onload' });
    });

    it('copies onload_cp_server into the control plane pod from the userImage', async () => {
      const values = await valuesOf('minimal');
      const init = container(podSpec(daemonSet(await rendered('minimal'), cpName)), 'init', true);
      expect(init.image).toBe(values.onload.userImage);
      expect(init.command?.[2]).toContain('mkdir -vp /mnt/onload/sbin/');
      expect(init.command?.[2]).toContain(
        'cp -v /opt/onload/sbin/onload_cp_server /mnt/onload/sbin/',
      );
      expect(init.volumeMounts).toContainEqual({ name: 'worker-volume', mountPath: '/mnt/onload' });
    });

    it('runs device-plugin and onload-worker from the device plugin image, privileged, with its pull policy', async () => {
      const objects = await rendered('openshift-in-cluster-build');
      const dp = podSpec(daemonSet(objects, dpName));
      const cp = podSpec(daemonSet(objects, cpName));
      expect(dp.containers.map((c) => c.name)).toEqual(['device-plugin']);
      expect(cp.containers.map((c) => c.name)).toEqual(['onload-worker']);
      for (const c of [...dp.containers, ...cp.containers]) {
        expect(c.image).toBe('docker.io/onload/onload-device-plugin:3.0.0');
        expect(c.imagePullPolicy).toBe('IfNotPresent');
        expect(c.securityContext?.privileged).toBe(true);
      }
    });

    it('passes the upstream default flags in upstream order', async () => {
      const dp = container(podSpec(daemonSet(await rendered('minimal'), dpName)), 'device-plugin');
      expect(dp.args).toEqual([
        '-maxPods=100',
        '-setPreload=true',
        '-mountOnload=false',
        '-hostOnloadPath=/opt/onload/',
        '-baseMountPath=/opt/onload',
        '-binMountPath=/usr/bin',
        '-libMountPath=/usr/lib64',
      ]);
      expect(dp.args?.some((a) => a.startsWith('-needNic'))).toBe(false);
    });

    it('passes devicePlugin values into the flags', async () => {
      const dp = container(
        podSpec(daemonSet(await rendered('pre-built-images'), dpName)),
        'device-plugin',
      );
      expect(dp.args).toEqual([
        '-maxPods=32',
        '-setPreload=false',
        '-mountOnload=true',
        '-hostOnloadPath=/var/lib/onload/',
        '-baseMountPath=/opt/onload',
        '-binMountPath=/usr/bin',
        '-libMountPath=/usr/lib64',
      ]);
    });

    it.each([
      ['minimal', '/opt/onload/'],
      ['pre-built-images', '/var/lib/onload/'],
    ] as const)(
      'relabels the host copy after start and removes it before stop (%s)',
      async (variant, hostPath) => {
        const dp = container(podSpec(daemonSet(await rendered(variant), dpName)), 'device-plugin');
        expect(dp.lifecycle?.postStart?.exec?.command?.[2]).toContain(
          `chcon --type container_file_t --recursive '${hostPath}'`,
        );
        expect(dp.lifecycle?.postStart?.exec?.command?.[2]).toMatch(/\|\| echo /);
        expect(dp.lifecycle?.preStop?.exec?.command?.[2]).toContain(`rm -r '${hostPath}'`);
        expect(dp.volumeMounts).toEqual([
          { name: 'kubelet-socket', mountPath: '/var/lib/kubelet/device-plugins' },
          { name: 'host-onload', mountPath: hostPath },
        ]);
      },
    );

    it.each([
      ['minimal', undefined, '-K'],
      ['openshift-in-cluster-build', undefined, '-K --llap-max=100'],
      ['minimal', [], ''],
      ['minimal', null, '-K'],
    ] as const)(
      'gives onload-worker its upstream command and env (%s, parameters %j)',
      async (variant, parameters, expectedParams) => {
        const overrides =
          parameters === undefined ? undefined : { onload: { controlPlane: { parameters } } };
        const worker = container(
          podSpec(daemonSet(await rendered(variant, overrides), cpName)),
          'onload-worker',
        );
        expect(worker.command).toEqual(['onload-worker']);
        expect(envOf(worker)).toEqual({
          POD_NAME: 'fieldRef:metadata.name',
          POD_NAMESPACE: 'fieldRef:metadata.namespace',
          CONTAINER_NAME: 'onload-worker',
          ONLOAD_CP_SERVER_PATH: '/mnt/onload/sbin/onload_cp_server',
          ONLOAD_CP_SERVER_PARAMS: expectedParams,
        });
        expect(worker.volumeMounts).toEqual([{ name: 'worker-volume', mountPath: '/mnt/onload' }]);
      },
    );

    it('has the upstream volumes, split between the two pods', async () => {
      const objects = await rendered('minimal');
      const dpVolumes = podSpec(daemonSet(objects, dpName)).volumes;
      expect(dpVolumes).toContainEqual({
        name: 'kubelet-socket',
        hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' },
      });
      expect(dpVolumes).toContainEqual({
        name: 'host-onload',
        hostPath: { path: '/opt/onload/', type: 'DirectoryOrCreate' },
      });
      expect(podSpec(daemonSet(objects, cpName)).volumes).toContainEqual({
        name: 'worker-volume',
        emptyDir: { sizeLimit: '8Mi' },
      });
    });
  });

  describe('RBAC (item 16)', () => {
    it('lets the workload ServiceAccount get pods and use the privileged SCC', async () => {
      const objects = await rendered('minimal');
      const workload = role(objects, 'onload-workload');
      expect(allows(workload.rules, '', 'pods', 'get')).toBe(true);
      expect(
        allows(
          workload.rules,
          'security.openshift.io',
          'securitycontextconstraints',
          'use',
          'privileged',
        ),
      ).toBe(true);
      expect(workload.rules).toHaveLength(2);
      const binding = objects.find(
        (o) => o.kind === 'RoleBinding' && o.metadata.name === 'onload-workload',
      );
      expect(binding).toMatchObject({
        roleRef: { kind: 'Role', name: 'onload-workload' },
        subjects: [{ kind: 'ServiceAccount', name: 'onload-workload', namespace: ns }],
      });
      for (const ds of [daemonSet(objects, dpName), daemonSet(objects, cpName)]) {
        expect(podSpec(ds).serviceAccountName).toBe('onload-workload');
      }
    });

    it('creates no ServiceAccount or RBAC for a ServiceAccount the user brings', async () => {
      const objects = await rendered('sfc-off');
      expect(has(objects, 'ServiceAccount', 'onload-workload')).toBe(false);
      expect(has(objects, 'Role', 'onload-workload')).toBe(false);
      expect(podSpec(daemonSet(objects, dpName)).serviceAccountName).toBe('default');
    });
  });

  describe('required values and exclusive options (item 17, the part the templates enforce)', () => {
    it.each(['version', 'userImage', 'kernelMappings'])(
      'refuses to render without onload.%s',
      async (key) => {
        const error = await renderError({
          variant: 'minimal',
          helmMajor,
          overrides: { onload: { [key]: null } },
        });
        expect(error).toContain(key);
      },
    );

    it('refuses setPreload together with mountOnload', async () => {
      const error = await renderError({
        variant: 'minimal',
        helmMajor,
        overrides: { devicePlugin: { setPreload: true, mountOnload: true } },
      });
      expect(error).toMatch(/setPreload|mountOnload/);
    });

    const image = 'registry.example.com/m:${KERNEL_FULL_VERSION}';
    it.each([
      ['a mapping without regexp', { kernelModuleImage: image }, 'regexp'],
      ['a mapping without kernelModuleImage', { regexp: '^.*$' }, 'kernelModuleImage'],
      [
        'an sfc marker with keys',
        { regexp: '^.*$', kernelModuleImage: image, sfc: { on: true } },
        'sfc',
      ],
      [
        'a build without dockerfileConfigMap',
        { regexp: '^.*$', kernelModuleImage: image, build: {} },
        'dockerfileConfigMap',
      ],
      [
        'a build argument without value',
        {
          regexp: '^.*$',
          kernelModuleImage: image,
          build: { buildArgs: [{ name: 'A' }], dockerfileConfigMap: { name: 'd' } },
        },
        'value',
      ],
    ])('refuses %s', async (_case, mapping, field) => {
      const error = await renderError({
        variant: 'minimal',
        helmMajor,
        overrides: { onload: { kernelMappings: [mapping] } },
      });
      expect(error).toContain(field);
    });
  });
});
