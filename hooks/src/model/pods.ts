// Which pods on a node matter to a rollout: our own device plugin / control plane, KMM's worker
// pods, and the workloads ("consumers") that must leave before the driver is reloaded.
import { components, podEvictSkipLabel, type ModuleKey, moduleNames } from '../contract.ts';
import type { PodView } from '../kube/port.ts';
import { matches, type Selector } from '../kube/selectors.ts';
import { kmmImageOwnerLabel, kmmPullPodTypeLabel } from './pull-pods.ts';

export const nameLabel = 'app.kubernetes.io/name';
export const instanceLabel = 'app.kubernetes.io/instance';
export const componentLabel = 'app.kubernetes.io/component';
export const kmmWorkerActionLabel = 'kmm.node.kubernetes.io/worker-action';
const kmmPodLabels = [
  kmmWorkerActionLabel,
  kmmPullPodTypeLabel,
  kmmImageOwnerLabel,
  'kmm.node.kubernetes.io/module.name',
];

/** A worker pod that restarted this often is considered crash-looping. */
export const workerRestartLimit = 3;

const ourComponents: readonly string[] = Object.values(components);

export function isTerminal(pod: PodView): boolean {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed';
}

/** One of this chart's pods (any release): never evicted by a rollout. */
export function isOurs(pod: PodView): boolean {
  return (
    pod.labels[nameLabel] === 'onload' && ourComponents.includes(pod.labels[componentLabel] ?? '')
  );
}

export function isKmmPod(pod: PodView): boolean {
  return kmmPodLabels.some((key) => Object.hasOwn(pod.labels, key));
}

export interface ReleaseRef {
  readonly namespace: string;
  readonly release: string;
}

/** This release's device plugin and control plane pods, which must leave a paused node. */
export function isNodeService(pod: PodView, ref: ReleaseRef): boolean {
  const component = pod.labels[componentLabel];
  return (
    isReleasePod(pod, ref) &&
    (component === components.devicePlugin || component === components.controlPlane)
  );
}

function isReleasePod(pod: PodView, ref: ReleaseRef): boolean {
  return (
    pod.namespace === ref.namespace &&
    pod.labels[nameLabel] === 'onload' &&
    pod.labels[instanceLabel] === ref.release
  );
}

export function nodeServicePods(
  pods: readonly PodView[],
  node: string,
  ref: ReleaseRef,
): PodView[] {
  return pods.filter((p) => p.nodeName === node && isNodeService(p, ref) && !isTerminal(p));
}

/**
 * This release's pods that must be gone from a paused node before its driver is unloaded: the
 * device plugin, the control plane and the Onload metrics exporter (its orm_json runs attach to
 * the node's Onload stacks through the driver).
 */
export function podsLeavingPausedNode(
  pods: readonly PodView[],
  node: string,
  ref: ReleaseRef,
): PodView[] {
  return pods.filter(
    (p) =>
      p.nodeName === node &&
      !isTerminal(p) &&
      (isNodeService(p, ref) ||
        (isReleasePod(p, ref) && p.labels[componentLabel] === components.onloadMetrics)),
  );
}

/** Pods a rollout evicts from a node: amd.com/onload users plus the extra podSelector. */
export function consumers(
  pods: readonly PodView[],
  node: string,
  extra: Selector | undefined,
): PodView[] {
  return pods.filter(
    (p) =>
      p.nodeName === node &&
      !isTerminal(p) &&
      !p.mirror &&
      !isOurs(p) &&
      !isKmmPod(p) &&
      p.labels[podEvictSkipLabel] !== 'true' &&
      (p.usesOnload || (extra !== undefined && matches(extra, p.labels))),
  );
}

export function workerPodName(node: string, module: ModuleKey): string {
  return `kmm-worker-${node}-${moduleNames[module]}`;
}

/** KMM's worker pods for this node, in the Module namespace. */
export function workerPods(pods: readonly PodView[], node: string, namespace: string): PodView[] {
  return pods.filter(
    (p) =>
      p.namespace === namespace &&
      Object.hasOwn(p.labels, kmmWorkerActionLabel) &&
      (p.nodeName === node || p.name.startsWith(`kmm-worker-${node}-`)),
  );
}

/** Why a KMM worker pod is failing, or undefined while it looks healthy. */
export function workerTrouble(pod: PodView): string | undefined {
  if (pod.deleting) return undefined;
  const action = pod.labels[kmmWorkerActionLabel] ?? 'worker';
  if (pod.phase === 'Failed')
    return `${action} pod ${pod.name} failed${pod.trouble ? `: ${pod.trouble}` : ''}`;
  if (pod.trouble && /BackOff|Err|Invalid|CreateContainer/i.test(pod.trouble))
    return `${action} pod ${pod.name} is stuck: ${pod.trouble}`;
  if (pod.restarts >= workerRestartLimit)
    return `${action} pod ${pod.name} restarted ${pod.restarts} times${pod.trouble ? `: ${pod.trouble}` : ''}`;
  return undefined;
}

/**
 * Worker troubles KMM and the kubelet retry by themselves with back-off, which the hooks wait out
 * (until driverReloadSeconds) rather than fail on: a module still in use (Onload stacks outlive
 * their process for a while after an eviction) and an image pull that failed.
 */
export function isTransientWorkerTrouble(pod: PodView): boolean {
  return /ErrImagePull|ImagePullBackOff|is in use/.test(pod.trouble ?? '');
}

export function podKey(pod: { readonly namespace: string; readonly name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}
