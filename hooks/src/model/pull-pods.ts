// What KMM's (>= 2.4) image-pull pods say: KMM checks each image of a Module with a pod in the
// Module's namespace (`<module>-pull-pod-<random>`) whose one container runs that image.
import type { PodImagesView } from '../kube/port.ts';

export const kmmImageOwnerLabel = 'kmm.node.kubernetes.io/image-owner';
export const kmmPullPodTypeLabel = 'kmm.node.kubernetes.io/pull-pod-type';

/**
 * The pull pod of a pre-built image: KMM waits for it to succeed and never records its failure.
 * The other type (`one-time-pull`, images KMM builds or signs) fails into a build or sign.
 */
export const pullPodRetriedUntilSuccess = 'until-success';

const pullFailureReasons: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff']);

/** The label selector of one Module's pull pods (as KMM itself lists them). */
export function pullPodSelector(module: string): string {
  return `${kmmImageOwnerLabel}=${module},${kmmPullPodTypeLabel}`;
}

export interface PullPodFacts {
  readonly pod: string;
  readonly image: string;
  /** Why its container waits, while it does (ContainerCreating, ErrImagePull, ...). */
  readonly waiting?: { readonly reason: string; readonly message?: string };
  /** The kubelet cannot pull the image, and KMM will retry it forever without reporting it. */
  readonly failedUnreported: boolean;
}

export function readPullPods(pods: readonly PodImagesView[]): PullPodFacts[] {
  return pods.flatMap((pod) =>
    pod.containers.map((c) => ({
      pod: pod.name,
      image: c.image,
      ...(c.waiting ? { waiting: c.waiting } : {}),
      failedUnreported:
        pod.labels[kmmPullPodTypeLabel] === pullPodRetriedUntilSuccess &&
        pullFailureReasons.has(c.waiting?.reason ?? ''),
    })),
  );
}
