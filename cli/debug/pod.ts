// The troubleshooting pod: pure, from the settings the chart publishes (settings.ts) and the node.
import { randomBytes } from 'node:crypto';
import { V1Pod, type V1ResourceRequirements } from '@kubernetes/client-node';
import { reportScript, type ReportKind } from './scripts.ts';

export type DebugMode = 'report' | 'shell';

export interface DebugPodOptions {
  readonly node: string;
  readonly kind: ReportKind;
  readonly mode: DebugMode;
  /** Needs sh and the tools the scripts name (scripts.ts); for `sfreportFrom: 'image'`, sfreport. */
  readonly image: string;
  readonly namespace: string;
  /** The Helm release (label app.kubernetes.io/instance). */
  readonly release: string;
  /** devicePlugin.hostOnloadPath: where the device plugin copies the userland on the host. */
  readonly hostOnloadPath: string;
  /** `<fullname>-troubleshooting`, allowed the privileged SCC on OpenShift. */
  readonly serviceAccount: string;
  /** sfc report: the image's sfreport (diagnostics.sfc.image) or the host's. Default host. */
  readonly sfreportFrom?: 'host' | 'image';
  readonly imagePullPolicy?: string;
  readonly imagePullSecrets?: readonly string[];
  /** Each command of a report; default 60. */
  readonly commandTimeoutSeconds?: number;
  /** activeDeadlineSeconds: a report's whole run, a shell's life; default 900 / 3600. */
  readonly deadlineSeconds?: number;
  /** Shell only: mount the host's / read-write (to change host files while fixing a node). */
  readonly hostReadWrite?: boolean;
  readonly resources?: V1ResourceRequirements;
  /** The name's unique end; random by default. */
  readonly suffix?: string;
}

export const labels = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  instance: 'app.kubernetes.io/instance',
  node: 'onload.amd.com/troubleshooting-node',
} as const;

export const defaultDeadlineSeconds: Readonly<Record<DebugMode, number>> = {
  report: 900,
  shell: 3600,
};

const hostMount = '/host';
const maxNameLength = 63;

/** `onload-troubleshooting-<kind>-<node>-<suffix>`, the node part cut so the name stays ≤ 63. */
export function debugPodName(kind: ReportKind, node: string, suffix: string): string {
  return nodeScopedName(`onload-troubleshooting-${kind}-`, node, suffix);
}

/** `<prefix><node>-<suffix>`, the node part cut so the name stays ≤ 63. */
export function nodeScopedName(prefix: string, node: string, suffix: string): string {
  const room = maxNameLength - prefix.length - suffix.length - 1;
  const nodePart = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, Math.max(room, 0))
    .replace(/^-+|-+$/g, '');
  return `${prefix}${nodePart ? `${nodePart}-` : ''}${suffix}`;
}

/** A label value (≤ 63, alphanumerics at both ends) that names the node, or undefined. */
function nodeLabelValue(node: string): string | undefined {
  const value = node
    .slice(0, 63)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value === '' ? undefined : value;
}

/** The environment of the report scripts (scripts.ts) in the pod. */
export function reportEnv(
  o: DebugPodOptions,
  sfreportOnHost: boolean,
): { name: string; value: string }[] {
  const env = [
    { name: 'HOST_ROOT', value: hostMount },
    { name: 'PROC_ROOT', value: '/proc' },
    { name: 'SYS_ROOT', value: '/sys' },
    { name: 'ONLOAD_PATH', value: o.hostOnloadPath },
    { name: 'COMMAND_TIMEOUT', value: String(o.commandTimeoutSeconds ?? 60) },
    { name: 'HOST_EXEC', value: 'auto' },
  ];
  if (o.kind === 'sfc')
    env.push(
      { name: 'SFREPORT_FROM', value: sfreportOnHost ? 'host' : 'image' },
      { name: 'WORK_DIR', value: sfreportOnHost ? `${hostMount}/tmp` : '/tmp' },
      { name: 'HOST_WORK_DIR', value: '/tmp' },
    );
  return env;
}

export function debugPod(o: DebugPodOptions): V1Pod {
  const suffix = o.suffix ?? randomBytes(3).toString('hex').slice(0, 5);
  const name = debugPodName(o.kind, o.node, suffix);
  const hostWritable = o.mode === 'shell' && o.hostReadWrite === true;
  const sfreportOnHost = (o.sfreportFrom ?? 'host') === 'host';
  const deadline = o.deadlineSeconds ?? defaultDeadlineSeconds[o.mode];
  const nodeLabel = nodeLabelValue(o.node);
  // The host's / is read-only: nothing here writes to it. Programs run under `chroot /host`
  // (sfreport writes its report into its working directory) get a scratch directory mounted over
  // the host's /tmp, in this pod's view only.
  const mounts = [
    { name: 'host-root', mountPath: hostMount, readOnly: !hostWritable },
    { name: 'scratch', mountPath: '/tmp' },
    ...(hostWritable
      ? []
      : [{ name: 'scratch', mountPath: `${hostMount}/tmp`, subPath: 'host-tmp' }]),
  ];
  // A shell sleeps, bounded, for `kubectl exec`; the deadline ends it even if nobody deletes it.
  const command =
    o.mode === 'report' ? ['/bin/sh', '-c', reportScript(o.kind)] : ['sleep', String(deadline)];
  // Plain objects throughout (the API's JSON), typed as the client's model once, here.
  return Object.assign(new V1Pod(), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace,
      labels: {
        [labels.name]: 'onload',
        [labels.component]: 'troubleshooting',
        [labels.instance]: o.release,
        ...(nodeLabel ? { [labels.node]: nodeLabel } : {}),
      },
      annotations: { 'onload.amd.com/troubleshooting': `${o.kind} ${o.mode}` },
    },
    spec: {
      nodeName: o.node,
      hostPID: true,
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      serviceAccountName: o.serviceAccount,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      activeDeadlineSeconds: deadline,
      terminationGracePeriodSeconds: 1,
      tolerations: [{ operator: 'Exists' }],
      ...(o.imagePullSecrets?.length
        ? { imagePullSecrets: o.imagePullSecrets.map((s) => ({ name: s })) }
        : {}),
      containers: [
        {
          name: o.mode,
          image: o.image,
          ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
          command,
          env: reportEnv(o, sfreportOnHost),
          ...(o.resources ? { resources: o.resources } : {}),
          terminationMessagePolicy: 'FallbackToLogsOnError',
          securityContext: {
            privileged: true,
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            readOnlyRootFilesystem: true,
          },
          volumeMounts: mounts,
        },
      ],
      volumes: [
        { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
        { name: 'scratch', emptyDir: { sizeLimit: '256Mi' } },
      ],
    },
  });
}
