// With the real KMM manager on the bed, the agents play only the kubelet for its worker pods
// (label kmm.node.kubernetes.io/worker-action; KWOK's stages leave them alone): the same runtime
// the stand-in's own workers use, so the fault annotations (load/unload fail or hang, sfc "in use"
// while onload is loaded) drive both modes. A deleted worker pod ends Failed, as a kubelet reports
// it once its container is killed. Creating, deleting and reading back the pods is the manager's
// job.
import type { V1Pod } from '@kubernetes/client-node';
import { patchPodStatus, type Caches, type ChangeHandler, type Clients } from '../kube/client.ts';
import type { PodView } from '../kube/views.ts';
import { WorkQueue } from '../kube/queue.ts';
import type { Logger } from '../log.ts';
import { workerAction } from './nmc.ts';
import type { Nmc } from './types.ts';
import { killedStatus, runnerLabel } from './worker-pod.ts';
import { workerRuntime, type WorkerTiming } from './worker-runtime.ts';

/** A worker pod of a real KMM manager (the stand-in marks its own with the runner label). */
export function isManagerWorkerPod(pod: PodView): boolean {
  return (
    workerAction(pod) !== undefined &&
    pod.metadata?.labels?.[runnerLabel] === undefined &&
    Boolean(pod.spec?.nodeName)
  );
}

export function startWorkerKubelet(
  clients: Clients,
  caches: Caches,
  timing: WorkerTiming,
  log: Logger,
): { onChange: ChangeHandler; stop: () => void } {
  const drive = workerRuntime(clients, caches, timing, log);
  const queue = new WorkQueue(async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = caches.pods.get(name, namespace);
    if (!pod || !isManagerWorkerPod(pod)) return undefined;
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp) {
      if (phase === 'Failed' || phase === 'Succeeded') return undefined;
      await patchPodStatus(clients, caches, pod, killedStatus(pod, new Date()));
      return undefined;
    }
    const node = caches.nodes.get(pod.spec?.nodeName ?? '');
    if (!node) return 1000;
    const nmc = caches.nmcs.get(node.metadata?.name ?? '') as unknown as Nmc | undefined;
    const step = await drive(node, nmc, pod);
    return step === 'acted' ? 0 : step;
  }, log);
  const podKey = (pod: V1Pod): string =>
    `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  return {
    onChange: (change) => {
      if (change.kind === 'pods' && isManagerWorkerPod(change.object))
        queue.add(podKey(change.object));
      if (change.kind === 'nodes' || change.kind === 'nmcs') {
        // A fault annotation removed, or a module unloaded: crash-looping workers look again.
        const node = change.object.metadata?.name;
        for (const pod of caches.pods.list())
          if (isManagerWorkerPod(pod) && pod.spec?.nodeName === node) queue.add(podKey(pod));
      }
    },
    stop: () => {
      queue.stop();
    },
  };
}
