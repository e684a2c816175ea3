// Our pods (hook Jobs, labeller) on the test bed's real node: the chart values that put them
// there with the hooks image built in this run, and a record of every such pod seen, to check
// where and from which image they ran.
import type { V1Pod } from '@kubernetes/client-node';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { ClusterState } from '../testbed/cluster.ts';
import {
  realNodeName,
  realNodeScheduling,
  realNodeSlot,
  realNodeSlots,
} from '../testbed/realnode/config.ts';
import type { ImportedImage } from '../testbed/realnode/start.ts';
import type { Values } from './values.ts';

/** The hooks image imported into the real node (its reference names onload-hooks). */
function importedImageOf(state: ClusterState, repository: string, what: string): ImportedImage {
  const image = state.realNode?.images.find((i) => i.reference.includes(`/${repository}:`));
  if (!image)
    throw new Error(
      `the test bed has no real node with ${what} imported (jest-global-setup starts one)`,
    );
  return image;
}

export function hooksImageOf(state: ClusterState): ImportedImage {
  return importedImageOf(state, 'onload-hooks', 'the hooks image');
}

/** The troubleshooting fixture image (ci/image/fixture-image.ts) on the `cluster` bed's real node. */
export function troubleshootingImageOf(state: ClusterState): ImportedImage {
  return importedImageOf(state, 'troubleshooting-fixture', 'the troubleshooting fixture image');
}

/** Chart values that run the hook Jobs and the labeller on the real node from `image`. */
export function realNodeValues(image: ImportedImage): Values {
  const slash = image.reference.indexOf('/');
  const colon = image.reference.lastIndexOf(':');
  return {
    images: {
      hooks: {
        registry: image.reference.slice(0, slash),
        repository: image.reference.slice(slash + 1, colon),
        tag: image.reference.slice(colon + 1),
        pullPolicy: 'Never',
      },
    },
    hooks: realNodeScheduling,
    labeller: realNodeScheduling,
  };
}

export interface SeenPod {
  readonly namespace: string;
  readonly name: string;
  readonly component: string;
  readonly node: string;
  readonly phase: string;
  readonly imageId: string;
  readonly running: boolean;
  readonly deleted: boolean;
  /** memory.max_usage_in_bytes of the pod's cgroup (cgroup v1; its container + pause), 0 if unread. */
  readonly peakMemoryBytes: number;
}

/** Peak memory the kernel charged to a pod's cgroup on the real node (cgroup v1 memory). */
export function podCgroupPeakBytes(uid: string): number {
  for (let slot = 0; slot < realNodeSlots; slot++)
    for (const qos of ['burstable/', 'besteffort/', '']) {
      try {
        const pod = `${realNodeSlot(slot).cgroupRoot}/kubepods/${qos}pod${uid}`;
        const file = `/sys/fs/cgroup/memory${pod}/memory.max_usage_in_bytes`;
        return Number(readFileSync(file, 'utf8').trim());
      } catch {
        // not this slot or QoS class, or gone
      }
    }
  return 0;
}

function seen(pod: V1Pod, deleted: boolean): SeenPod {
  const status = pod.status?.containerStatuses?.[0];
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    component: pod.metadata?.labels?.['app.kubernetes.io/component'] ?? '',
    node: pod.spec?.nodeName ?? '',
    phase: pod.status?.phase ?? '',
    imageId: status?.imageID ?? '',
    running: status?.state?.running !== undefined,
    deleted,
    peakMemoryBytes: deleted ? 0 : podCgroupPeakBytes(pod.metadata?.uid ?? ''),
  };
}

/** Watches our pods in `namespace`; `pods()` gives each pod's last state (by uid). */
export class OurPodsRecorder {
  private readonly last = new Map<string, SeenPod>();
  private abort: AbortController | undefined;
  private resourceVersion: string | undefined;
  private stopped = false;
  private readonly kubeconfig = new KubeConfig();
  private readonly namespace: string;

  constructor(kubeconfigPath: string, namespace: string) {
    this.kubeconfig.loadFromFile(kubeconfigPath);
    this.namespace = namespace;
  }

  async start(): Promise<void> {
    const query: Record<string, string> = {
      labelSelector: 'app.kubernetes.io/name=onload,app.kubernetes.io/component in (hook,labeller)',
      allowWatchBookmarks: 'true',
    };
    if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
    this.abort = await new Watch(this.kubeconfig).watch(
      `/api/v1/namespaces/${this.namespace}/pods`,
      query,
      (type, pod: V1Pod) => {
        // ERROR: e.g. 410 Gone for a too old resourceVersion; the next watch starts afresh.
        if (type === 'ERROR') this.resourceVersion = undefined;
        else if (pod.metadata?.resourceVersion) this.resourceVersion = pod.metadata.resourceVersion;
        const uid = pod.metadata?.uid;
        if (!uid || (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED')) return;
        const previous = this.last.get(uid);
        const next = seen(pod, type === 'DELETED');
        // A deleted pod keeps the last status it had (its final event may lack container state).
        const peakMemoryBytes = Math.max(previous?.peakMemoryBytes ?? 0, next.peakMemoryBytes);
        this.last.set(
          uid,
          previous?.phase === 'Succeeded'
            ? { ...previous, deleted: next.deleted, peakMemoryBytes }
            : { ...next, peakMemoryBytes },
        );
      },
      () => {
        // The API server ends watches after a while: resume where this one stopped.
        if (!this.stopped) void this.start();
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  pods(component?: string): SeenPod[] {
    return [...this.last.values()].filter(
      (p) => component === undefined || p.component === component,
    );
  }
}

/** Whether a container's reported image ID is `image` (kubelet reports its config digest). */
export function fromImage(imageId: string, image: ImportedImage): boolean {
  return imageId === image.id || imageId.endsWith(`@${image.digest}`);
}

/** Pods that ran somewhere else than the real node, or from another image. */
export function notOnRealNode(pods: readonly SeenPod[], image: ImportedImage): SeenPod[] {
  return pods.filter(
    (p) => p.node !== realNodeName || (p.imageId !== '' && !fromImage(p.imageId, image)),
  );
}

/** "min–max MiB over n pods" of the pods' peak cgroup memory (pods with a reading only). */
export function peakMemorySummary(pods: readonly SeenPod[]): string {
  const peaks = pods.map((p) => p.peakMemoryBytes).filter((b) => b > 0);
  if (peaks.length === 0) return 'no reading';
  const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
  return `${mib(Math.min(...peaks))}–${mib(Math.max(...peaks))} MiB over ${peaks.length} pods`;
}
