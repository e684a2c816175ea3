// The troubleshooting pods' chart side: the ServiceAccount allowed the privileged SCC and the
// ConfigMap `kubectl onload debug` reads its settings from (cli/debug/settings.ts).
import { describe, expect, it } from '@jest/globals';
import { debugPod } from '../../../cli/debug/pod.ts';
import { debugSettingsFromConfigMap, podOptions } from '../../../cli/debug/settings.ts';
import { allows, configMap, find, has, role } from './lib/manifests.ts';
import { defaultNamespace, render } from './lib/render.ts';

const name = 'onload-troubleshooting';

describe('troubleshooting pods (chart side)', () => {
  it('gives them a ServiceAccount that may use the privileged SCC and nothing else', async () => {
    const objects = await render({ variant: 'minimal' });
    expect(has(objects, 'ServiceAccount', name)).toBe(true);
    const rules = role(objects, name).rules;
    expect(rules).toHaveLength(1);
    expect(
      allows(rules, 'security.openshift.io', 'securitycontextconstraints', 'use', 'privileged'),
    ).toBe(true);
    expect(find(objects, 'RoleBinding', name)).toMatchObject({
      roleRef: { kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: defaultNamespace }],
    });
  });

  it('publishes settings the debug command turns into a pod using that ServiceAccount', async () => {
    const objects = await render({ variant: 'minimal' });
    const data = configMap(objects, name).data ?? {};
    const settings = debugSettingsFromConfigMap(defaultNamespace, data);
    expect(settings).toMatchObject({
      release: 'onload',
      serviceAccount: name,
      hostOnloadPath: '/opt/onload/',
      image: 'docker.io/onload/onload-user:8.1.2.26-ubi8',
      commandTimeoutSeconds: 60,
      reportDeadlineSeconds: 900,
      shellSeconds: 3600,
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '512Mi' } },
    });
    expect(settings.sfcImage).toBeUndefined();
    const pod = debugPod(podOptions(settings, 'worker-1', 'sfc', 'report'));
    expect(pod.spec?.serviceAccountName).toBe(name);
    expect(pod.metadata?.labels?.['app.kubernetes.io/instance']).toBe('onload');
  });

  it('takes diagnostics.image and diagnostics.sfc.image, through the mirror', async () => {
    const objects = await render({
      variant: 'minimal',
      overrides: {
        global: { imageRegistry: 'mirror.example.com/m' },
        imagePullSecrets: [{ name: 'pull-a' }, { name: 'pull-b' }],
        diagnostics: {
          image: 'docker.io/library/busybox:1.37',
          sfc: { image: 'registry.example.com/amd/sfutils:2' },
        },
      },
    });
    const settings = debugSettingsFromConfigMap(
      defaultNamespace,
      configMap(objects, name).data ?? {},
    );
    expect(settings.image).toBe('mirror.example.com/m/library/busybox:1.37');
    expect(settings.sfcImage).toBe('mirror.example.com/m/amd/sfutils:2');
    expect(settings.imagePullSecrets).toEqual(['pull-a', 'pull-b']);
    expect(podOptions(settings, 'w', 'sfc', 'report')).toMatchObject({
      image: 'mirror.example.com/m/amd/sfutils:2',
      sfreportFrom: 'image',
    });
  });

  it('creates nothing with diagnostics.enabled false', async () => {
    const objects = await render({
      variant: 'minimal',
      overrides: { diagnostics: { enabled: false } },
    });
    expect(objects.filter((o) => o.metadata.name === name)).toEqual([]);
  });
});

describe('helm test pod', () => {
  interface TestPod {
    spec: {
      nodeSelector?: Record<string, string>;
      tolerations?: unknown[];
      containers: {
        image: string;
        args: string[];
        env: { name: string; value?: string }[];
        resources: { requests: Record<string, string>; limits: Record<string, string> };
      }[];
    };
  }

  it('asks for amd.com/onload, runs the check script with the device plugin mount settings, and stays for helm test --logs until the next test', async () => {
    const objects = await render({
      variant: 'minimal',
      overrides: {
        diagnostics: {
          test: {
            nodeSelector: { 'kubernetes.io/hostname': 'worker-3' },
            tolerations: [{ key: 'dedicated', operator: 'Exists' }],
          },
        },
      },
    });
    const manifest = find(objects, 'Pod', 'onload-test');
    expect(manifest.metadata.annotations).toEqual({
      'helm.sh/hook': 'test',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    const pod = manifest as unknown as TestPod;
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'worker-3' });
    expect(pod.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
    const container = pod.spec.containers[0];
    expect(container?.resources.requests['amd.com/onload']).toBe('1');
    expect(container?.resources.limits['amd.com/onload']).toBe('1');
    expect(container?.image).toBe('docker.io/onload/onload-user:8.1.2.26-ubi8');
    expect(container?.args[0]).toContain(
      'the userland is Onload $userland but the loaded driver is $driver',
    );
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      BASE_MOUNT_PATH: '/opt/onload',
      LIB_MOUNT_PATH: '/usr/lib64',
      SET_PRELOAD: 'true',
      MOUNT_ONLOAD: 'false',
      EXPECTED_VERSION: '8.1.2.26',
    });
  });

  it('is not rendered with diagnostics.test.enabled=false or diagnostics.enabled=false', async () => {
    for (const diagnostics of [{ test: { enabled: false } }, { enabled: false }]) {
      const objects = await render({ variant: 'minimal', overrides: { diagnostics } });
      expect(has(objects, 'Pod', 'onload-test')).toBe(false);
    }
  });
});
