import { describe, expect, it } from '@jest/globals';
import { debugPod, debugPodName, type DebugPodOptions } from './pod.ts';
import { onloadReportScript, sfcReportScript } from './scripts.ts';
import { debugSettingsFromConfigMap, podOptions, SettingsError } from './settings.ts';

const base: DebugPodOptions = {
  node: 'worker-7',
  kind: 'onload',
  mode: 'report',
  image: 'registry.example.com/onload/onload-user:9.0.1.2',
  namespace: 'onload',
  release: 'onload',
  hostOnloadPath: '/opt/onload/',
  serviceAccount: 'onload-troubleshooting',
  suffix: 'abcde',
};

const env = (o: DebugPodOptions): Record<string, string> =>
  Object.fromEntries(
    (debugPod(o).spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? '']),
  );

describe('debugPod', () => {
  it('is pinned to the node, privileged in the host namespaces, tolerates every taint and ends', () => {
    const pod = debugPod(base);
    const spec = pod.spec;
    expect(pod.metadata?.name).toBe('onload-troubleshooting-onload-worker-7-abcde');
    expect(pod.metadata?.namespace).toBe('onload');
    expect(pod.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'onload',
      'app.kubernetes.io/component': 'troubleshooting',
      'app.kubernetes.io/instance': 'onload',
      'onload.amd.com/troubleshooting-node': 'worker-7',
    });
    expect(spec?.nodeName).toBe('worker-7');
    expect(spec?.hostPID).toBe(true);
    expect(spec?.hostNetwork).toBe(true);
    expect(spec?.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec?.restartPolicy).toBe('Never');
    expect(spec?.activeDeadlineSeconds).toBe(900);
    expect(spec?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(0);
    expect(spec?.terminationGracePeriodSeconds).toBeLessThanOrEqual(5);
    expect(spec?.serviceAccountName).toBe('onload-troubleshooting');
    expect(spec?.automountServiceAccountToken).toBe(false);
    const c = spec?.containers[0];
    expect(spec?.containers).toHaveLength(1);
    expect(c?.securityContext).toMatchObject({
      privileged: true,
      runAsUser: 0,
      readOnlyRootFilesystem: true,
    });
    expect(c?.command).toEqual(['/bin/sh', '-c', onloadReportScript]);
    expect(spec?.volumes).toContainEqual({
      name: 'host-root',
      hostPath: { path: '/', type: 'Directory' },
    });
    expect(c?.volumeMounts).toContainEqual({
      name: 'host-root',
      mountPath: '/host',
      readOnly: true,
    });
    expect(env(base)).toMatchObject({
      HOST_ROOT: '/host',
      ONLOAD_PATH: '/opt/onload/',
      HOST_EXEC: 'auto',
      COMMAND_TIMEOUT: '60',
    });
  });

  it('gives programs run under chroot /host a scratch /tmp over the read-only host', () => {
    const mounts = debugPod({ ...base, kind: 'sfc' }).spec?.containers[0]?.volumeMounts;
    expect(mounts).toContainEqual({ name: 'scratch', mountPath: '/host/tmp', subPath: 'host-tmp' });
    expect(env({ ...base, kind: 'sfc' })).toMatchObject({
      SFREPORT_FROM: 'host',
      WORK_DIR: '/host/tmp',
      HOST_WORK_DIR: '/tmp',
    });
    expect(env({ ...base, kind: 'sfc', sfreportFrom: 'image' })).toMatchObject({
      SFREPORT_FROM: 'image',
      WORK_DIR: '/tmp',
    });
    expect(debugPod({ ...base, kind: 'sfc' }).spec?.containers[0]?.command?.[2]).toBe(
      sfcReportScript,
    );
  });

  it('runs a bounded sleep in shell mode; the host is writable only when asked, for a shell', () => {
    const shell = debugPod({ ...base, mode: 'shell', deadlineSeconds: 1800 });
    expect(shell.spec?.containers[0]?.command).toEqual(['sleep', '1800']);
    expect(shell.spec?.activeDeadlineSeconds).toBe(1800);
    expect(debugPod({ ...base, mode: 'shell' }).spec?.activeDeadlineSeconds).toBe(3600);
    const rw = debugPod({ ...base, mode: 'shell', hostReadWrite: true }).spec?.containers[0];
    expect(rw?.volumeMounts).toContainEqual({
      name: 'host-root',
      mountPath: '/host',
      readOnly: false,
    });
    const report = debugPod({ ...base, hostReadWrite: true }).spec?.containers[0];
    expect(report?.volumeMounts).toContainEqual({
      name: 'host-root',
      mountPath: '/host',
      readOnly: true,
    });
  });

  it('names pods uniquely and within 63 characters, whatever the node name', () => {
    const long = `${'n'.repeat(80)}.example.com`;
    const name = debugPodName('onload', long, 'abcde');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(debugPod({ ...base, suffix: undefined }).metadata?.name).not.toBe(
      debugPod({ ...base, suffix: undefined }).metadata?.name,
    );
    expect(
      debugPod({ ...base, node: long }).metadata?.labels?.['onload.amd.com/troubleshooting-node'],
    ).toHaveLength(63);
  });
});

describe('settings from the chart ConfigMap', () => {
  const data = {
    release: 'onload',
    serviceAccount: 'onload-troubleshooting',
    hostOnloadPath: '/opt/onload/',
    image: 'docker.io/onload/onload-user:9.0.1.2',
    sfcImage: 'registry.example.com/sfutils:1',
    imagePullPolicy: 'IfNotPresent',
    imagePullSecrets: 'a, b',
    commandTimeoutSeconds: '30',
    reportDeadlineSeconds: '600',
    shellSeconds: '1200',
    resources: '{"requests":{"cpu":"10m"}}',
  };

  it('reads every key and picks the sfc image and sfreport source', () => {
    const s = debugSettingsFromConfigMap('onload', data);
    expect(s.imagePullSecrets).toEqual(['a', 'b']);
    const sfc = podOptions(s, 'worker-7', 'sfc', 'report');
    expect(sfc).toMatchObject({
      image: data.sfcImage,
      sfreportFrom: 'image',
      deadlineSeconds: 600,
    });
    const onload = podOptions(s, 'worker-7', 'onload', 'shell');
    expect(onload).toMatchObject({
      image: data.image,
      deadlineSeconds: 1200,
      commandTimeoutSeconds: 30,
    });
    const withoutSfc: Record<string, string> = { ...data, sfcImage: '' };
    expect(
      podOptions(debugSettingsFromConfigMap('onload', withoutSfc), 'w', 'sfc', 'report'),
    ).toMatchObject({
      image: data.image,
      sfreportFrom: 'host',
    });
  });

  it('names a missing or wrong key', () => {
    expect(() => debugSettingsFromConfigMap('onload', { ...data, image: '' })).toThrow(
      new SettingsError('key image is missing'),
    );
    expect(() => debugSettingsFromConfigMap('onload', { ...data, shellSeconds: 'soon' })).toThrow(
      'key shellSeconds: "soon" is not a number of seconds',
    );
  });
});
