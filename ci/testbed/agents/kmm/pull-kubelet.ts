// The kubelet for KMM's image pull pods on the fake nodes, in both KMM modes (the stand-in's and a
// real KMM >= 2.4 manager's pull pods): pull-pod.ts says what it reports.
import type { V1Pod } from '@kubernetes/client-node';
import { patchPodStatus, type Caches, type ChangeHandler, type Clients } from '../kube/client.ts';
import { WorkQueue } from '../kube/queue.ts';
import type { Logger } from '../log.ts';
import { isFakeNode } from '../runner/command.ts';
import { isPullPod, pullPodStatus } from './pull-pod.ts';

/** How long a failed pull shows ErrImagePull before the kubelet's back-off (ImagePullBackOff). */
const backOffAfterMs = 1000;

export function startPullKubelet(
  clients: Clients,
  caches: Caches,
  log: Logger,
): { onChange: ChangeHandler; stop: () => void } {
  const queue = new WorkQueue(async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = caches.pods.get(name, namespace);
    if (!pod || !isPullPod(pod) || pod.metadata?.deletionTimestamp) return undefined;
    if (!isFakeNode(caches.nodes.get(pod.spec?.nodeName ?? ''))) return undefined;
    const status = pullPodStatus(pod, new Date());
    if (!status) return undefined;
    const waiting = status.containerStatuses?.[0]?.state.waiting;
    log.info('pull pod', { pod: key, phase: status.phase, reason: waiting?.reason });
    await patchPodStatus(clients, caches, pod, status);
    return waiting?.reason === 'ErrImagePull' ? backOffAfterMs : undefined;
  }, log);
  const podKey = (pod: V1Pod): string =>
    `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  return {
    onChange: (change) => {
      if (change.kind === 'pods' && isPullPod(change.object)) queue.add(podKey(change.object));
    },
    stop: () => {
      queue.stop();
    },
  };
}
