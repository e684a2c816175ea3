// The kubelet stand-in's view of the chart's device-plugin and control-plane pods. Their init step
// waits until the node's loaded onload driver reports the version the pod's userland reports
// (init-step.ts, docs/architecture.md). The test bed has neither, so: the loaded driver is the
// one of the Module version KMM's labels say is loaded, and the userland the one of the pod's
// onload.version label; each reports its own version unless the node's reports annotations
// (faults.ts) say otherwise.
import {
  components,
  onloadResource,
  userlandVersionLabel,
} from '../../../../hooks/src/contract.ts';
import { driverReportsAnnotation, parseReports, userlandReportsAnnotation } from '../faults.ts';
import { readyLabel, versionReadyLabel } from '../kmm/labels.ts';
import { podConditions, type ContainerStatus, type PodStatus } from '../kube/shapes.ts';
import type { NodeView, PodView } from '../kube/views.ts';
import { isFakeNode } from '../runner/command.ts';
import { rfc3339 } from '../time.ts';
import { initStep } from './init-step.ts';

export const componentLabel = 'app.kubernetes.io/component';
const gatedComponents: readonly string[] = [components.devicePlugin, components.controlPlane];

export function isGated(pod: PodView): boolean {
  return gatedComponents.includes(pod.metadata?.labels?.[componentLabel] ?? '');
}

export interface Gate {
  readonly open: boolean;
  /** The init step's first line (none when it cannot start). */
  readonly intro?: string;
  /** Why it waits, or the match line once open. */
  readonly line: string;
}

export function driverGate(pod: PodView, node: NodeView | undefined): Gate {
  const namespace = pod.metadata?.namespace ?? '';
  const label = pod.metadata?.labels?.[userlandVersionLabel];
  if (!label) return { open: false, line: `waiting: the pod has no ${userlandVersionLabel} label` };
  const labels = node?.metadata?.labels ?? {};
  const annotations = node?.metadata?.annotations ?? {};
  // KMM < 2.5 writes no version label: then "loaded" is all the node can tell.
  const loaded =
    labels[versionReadyLabel(namespace, 'onload')] ??
    (readyLabel(namespace, 'onload') in labels ? label : undefined);
  const driverReports = parseReports(annotations[driverReportsAnnotation], driverReportsAnnotation);
  const userlandReports = parseReports(
    annotations[userlandReportsAnnotation],
    userlandReportsAnnotation,
  );
  const reported = (reports: Readonly<Record<string, string | null>>, version: string) =>
    Object.hasOwn(reports, version) ? (reports[version] ?? null) : version;
  return initStep({
    label,
    userland: reported(userlandReports, label),
    driver: loaded === undefined ? undefined : (reported(driverReports, loaded) ?? loaded),
    versionReadyLabel: versionReadyLabel(namespace, 'onload'),
  });
}

export function isReady(pod: PodView): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function hostAddresses(node: NodeView | undefined, pod: PodView): Partial<PodStatus> {
  const ip = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) return {};
  return {
    hostIP: ip,
    hostIPs: [{ ip }],
    ...(pod.spec?.hostNetwork ? { podIP: ip, podIPs: [{ ip }] } : {}),
  };
}

function container(
  c: { name: string; image?: string },
  state: Omit<ContainerStatus, 'name' | 'image' | 'imageID'>,
): ContainerStatus {
  return { name: c.name, image: c.image ?? '', imageID: '', ...state };
}

/** Init done, containers running and Ready. */
export function readyStatus(pod: PodView, node: NodeView | undefined, at: Date): PodStatus {
  const now = rfc3339(at);
  return {
    phase: 'Running',
    startTime: now,
    ...hostAddresses(node, pod),
    conditions: podConditions(now, { initialized: true, ready: true }),
    initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) =>
      container(c, {
        ready: true,
        restartCount: 0,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
        },
      }),
    ),
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      container(c, {
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      }),
    ),
  };
}

/** The first init container runs (waiting for the driver); nothing else has started. */
export function initWaitingStatus(pod: PodView, node: NodeView | undefined, at: Date): PodStatus {
  const now = rfc3339(at);
  const inits = pod.spec?.initContainers ?? [];
  const waiting = { waiting: { reason: 'PodInitializing' } };
  const notReady = (names: readonly string[]): string => `[${names.join(' ')}]`;
  return {
    phase: 'Pending',
    startTime: now,
    ...hostAddresses(node, pod),
    conditions: [
      ...podConditions(now, {
        initialized: false,
        ready: false,
        reason: 'ContainersNotReady',
        message: `containers with unready status: ${notReady((pod.spec?.containers ?? []).map((c) => c.name))}`,
      }).map((c) =>
        c.type === 'Initialized'
          ? {
              ...c,
              reason: 'ContainersNotInitialized',
              message: `containers with incomplete status: ${notReady(inits.map((i) => i.name))}`,
            }
          : c,
      ),
    ],
    initContainerStatuses: inits.map((c, i) =>
      container(c, {
        ready: false,
        started: i === 0,
        restartCount: 0,
        state: i === 0 ? { running: { startedAt: now } } : waiting,
      }),
    ),
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      container(c, { ready: false, started: false, restartCount: 0, state: waiting }),
    ),
  };
}

/** Already shows the init step waiting (so there is nothing to write). */
export function showsInitWaiting(pod: PodView): boolean {
  return (
    pod.status?.phase === 'Pending' &&
    (pod.status.containerStatuses ?? []).some((s) => s.state?.waiting?.reason === 'PodInitializing')
  );
}

const maxPodsArg = /^-{1,2}maxPods=(\d+)$/;

/** The device plugin's `-maxPods=<n>` (its default is 100). */
export function maxPodsOf(pod: PodView): number {
  for (const c of pod.spec?.containers ?? [])
    for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
      const match = maxPodsArg.exec(arg);
      if (match) return Number(match[1]);
    }
  return 100;
}

/**
 * `amd.com/onload` capacity the node's kubelet reports: the Ready device plugin's maxPods, or "0"
 * once a plugin that registered has gone (undefined: leave the node as it is). Fake nodes only: a
 * real node's kubelet reports its own, from the device plugins registered with it.
 */
export function onloadCapacity(node: NodeView, podsOnNode: readonly PodView[]): string | undefined {
  if (!isFakeNode(node)) return undefined;
  const plugin = podsOnNode.find(
    (p) =>
      p.metadata?.labels?.[componentLabel] === components.devicePlugin &&
      !p.metadata.deletionTimestamp &&
      isReady(p),
  );
  const current = node.status?.allocatable?.[onloadResource];
  const wanted = plugin ? String(maxPodsOf(plugin)) : current === undefined ? undefined : '0';
  if (wanted === undefined) return undefined;
  return current === wanted && node.status?.capacity?.[onloadResource] === wanted
    ? undefined
    : wanted;
}
