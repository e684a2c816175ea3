// The stand-in plays the node's kubelet for KMM's worker pods (KWOK leaves them alone): it starts
// the worker, and after the load/unload delay runs its modprobe, whose outcome depends on what the
// node has loaded and on the faults injected through node annotations.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import {
  kmmLoadFaultAnnotation,
  kmmUnloadFaultAnnotation,
  parseFault,
  type Fault,
} from '../faults.ts';
import { mergePatch, patchPodStatus, type Caches, type Clients } from '../kube/client.ts';
import { errorText, type Logger } from '../log.ts';
import { moduleNameLabel } from './labels.ts';
import { podConfig, workerAction } from './nmc.ts';
import { nodeKernel } from './targeting.ts';
import type { Nmc } from './types.ts';
import {
  attemptOutcome,
  crashLoopStatus,
  hungAnnotation,
  startedStatus,
  succeededStatus,
} from './worker-pod.ts';

/** A reconcile step: it wrote something, or it wants another look after some ms, or nothing. */
export type Step = 'acted' | number | undefined;

export interface WorkerTiming {
  readonly loadMs: number;
  readonly unloadMs: number;
  /** Pause between failed modprobe runs of a crash-looping worker pod. */
  readonly retryMs: number;
}

export function workerRuntime(
  clients: Clients,
  caches: Caches,
  timing: WorkerTiming,
  log: Logger,
): (node: V1Node, nmc: Nmc | undefined, pod: V1Pod) => Promise<Step> {
  /** When each running worker pod (by uid) next runs its modprobe. */
  const attemptAt = new Map<string, number>();

  function faultOf(node: V1Node, pod: V1Pod): Fault | undefined {
    const key = workerAction(pod) === 'Load' ? kmmLoadFaultAnnotation : kmmUnloadFaultAnnotation;
    try {
      return parseFault(
        node.metadata?.annotations?.[key],
        pod.metadata?.labels?.[moduleNameLabel] ?? '',
      );
    } catch (error) {
      log.warn(`ignoring annotation ${key} on node ${node.metadata?.name ?? ''}`, {
        error: errorText(error),
      });
      return undefined;
    }
  }

  async function markHung(pod: V1Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const patched = await clients.core.patchNamespacedPod(
      { name, namespace, body: { metadata: { annotations: { [hungAnnotation]: 'true' } } } },
      mergePatch,
    );
    await caches.pods.observed(name, namespace, patched.metadata?.resourceVersion);
  }

  return async (node, nmc, pod) => {
    const phase = pod.status?.phase;
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') {
      attemptAt.delete(uid);
      return undefined;
    }
    if (pod.metadata?.annotations?.[hungAnnotation]) return undefined;
    const action = workerAction(pod) ?? 'Load';
    const now = Date.now();
    if (!phase || phase === 'Pending') {
      const hostIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      await patchPodStatus(clients, caches, pod, startedStatus(pod, new Date(now), hostIP));
      attemptAt.set(uid, now + (action === 'Load' ? timing.loadMs : timing.unloadMs));
      return 'acted';
    }
    const due = attemptAt.get(uid) ?? now;
    if (now < due) return due - now;
    const namespace = pod.metadata?.namespace ?? '';
    const module = pod.metadata?.labels?.[moduleNameLabel] ?? '';
    const outcome = attemptOutcome({
      action,
      kmod: podConfig(pod)?.modprobe.moduleName ?? module,
      kernel: nodeKernel(node),
      fault: faultOf(node, pod),
      loadedKmods: (nmc?.status?.modules ?? [])
        .filter((e) => e.namespace === namespace)
        .map((e) => e.config.modprobe.moduleName ?? e.name),
    });
    const fields = { node: node.metadata?.name, pod: pod.metadata?.name, namespace, outcome };
    if (outcome.kind === 'hang') {
      log.info('worker pod hangs (fault injected)', fields);
      await markHung(pod);
    } else if (outcome.kind === 'fail') {
      log.info('worker modprobe failed', fields);
      await patchPodStatus(
        clients,
        caches,
        pod,
        crashLoopStatus(pod, new Date(now), outcome.message),
      );
      attemptAt.set(uid, now + timing.retryMs);
    } else {
      await patchPodStatus(clients, caches, pod, succeededStatus(pod, new Date(now)));
      attemptAt.delete(uid);
    }
    return 'acted';
  };
}
