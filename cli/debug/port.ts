// The narrow Kubernetes interface the troubleshooting pods are run through: create, read, log,
// delete one pod. One implementation over @kubernetes/client-node (`client-node-port.ts`), one in
// memory for the unit tests (`memory-port.ts`).
import type { V1Pod } from '@kubernetes/client-node';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodView {
  readonly phase: PodPhase;
  /** The container's exit code once it terminated. */
  readonly exitCode?: number;
  /** Why the container waits (e.g. ImagePullBackOff) or why the pod ended (DeadlineExceeded). */
  readonly reason?: string;
  readonly message?: string;
}

export interface DebugPodPort {
  createPod(pod: V1Pod, signal: AbortSignal): Promise<void>;
  /** Undefined when the pod does not exist. */
  readPod(namespace: string, name: string, signal: AbortSignal): Promise<PodView | undefined>;
  readLog(namespace: string, name: string, container: string, signal: AbortSignal): Promise<string>;
  /** Deletes at once (no grace period); a pod already gone is fine. */
  deletePod(namespace: string, name: string): Promise<void>;
  /** The data of the release's troubleshooting settings ConfigMap; undefined when it does not exist. */
  readConfigMap(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | undefined>;
}

/** What a pod's status says, read without judgement. */
export function podView(pod: V1Pod): PodView {
  const status = pod.status;
  const container = status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const waiting = container?.state?.waiting;
  const phase = (status?.phase ?? 'Pending') as PodPhase;
  const reason = terminated?.reason ?? waiting?.reason ?? status?.reason;
  const message = terminated?.message ?? waiting?.message ?? status?.message;
  return {
    phase,
    ...(terminated ? { exitCode: terminated.exitCode } : {}),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}
