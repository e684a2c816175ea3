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
