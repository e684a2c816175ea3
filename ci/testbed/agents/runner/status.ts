// Pod status the runner reports for a process it runs, as a kubelet reports a container. Pure.
import type { PodView } from '../kube/views.ts';
import { rfc3339 } from '../time.ts';
import {
  podConditions,
  type ContainerState,
  type ContainerStatus,
  type PodStatus,
} from '../kube/shapes.ts';

/** kubelet: the tail of the log, at most 80 lines and 2048 bytes, for FallbackToLogsOnError. */
export function terminationMessage(
  policy: string | undefined,
  exitCode: number,
  output: string,
): string | undefined {
  if (policy !== 'FallbackToLogsOnError' || exitCode === 0) return undefined;
  let tail = output.replace(/\n$/, '').split('\n').slice(-80).join('\n');
  while (Buffer.byteLength(tail) > 2048) tail = tail.slice(1);
  return tail.trim() === '' ? undefined : tail;
}

export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  const policy = restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** kubelet's crash-loop back-off (10 s doubling to 5 min), scaled down ten times for the test bed. */
export function backoffMs(restartCount: number): number {
  return Math.min(1000 * 2 ** Math.max(0, restartCount - 1), 30_000);
}

export interface Exit {
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly message?: string;
}

function terminated(exit: Exit): ContainerState {
  return {
    terminated: {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      ...(exit.message ? { message: exit.message } : {}),
      startedAt: exit.startedAt,
      finishedAt: exit.finishedAt,
    },
  };
}

function containerStatus(
  pod: PodView,
  status: Omit<ContainerStatus, 'name' | 'image' | 'imageID'>,
): ContainerStatus[] {
  const container = pod.spec?.containers[0];
  return [{ name: container?.name ?? '', image: container?.image ?? '', imageID: '', ...status }];
}

function placement(pod: PodView, hostIP: string | undefined): Partial<PodStatus> {
  return {
    startTime: rfc3339(pod.status?.startTime ? new Date(pod.status.startTime) : new Date()),
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
  };
}

export function runningStatus(
  pod: PodView,
  run: { startedAt: string; restartCount: number; last?: Exit },
  hostIP: string | undefined,
): PodStatus {
  return {
    phase: 'Running',
    ...placement(pod, hostIP),
    conditions: podConditions(run.startedAt, { initialized: true, ready: true }),
    containerStatuses: containerStatus(pod, {
      ready: true,
      started: true,
      restartCount: run.restartCount,
      state: { running: { startedAt: run.startedAt } },
      ...(run.last ? { lastState: terminated(run.last) } : {}),
    }),
  };
}

/** Exited and will be restarted after the back-off. */
export function backoffStatus(
  pod: PodView,
  exit: Exit,
  restartCount: number,
  hostIP: string | undefined,
): PodStatus {
  const name = pod.spec?.containers[0]?.name ?? '';
  return {
    phase: 'Running',
    ...placement(pod, hostIP),
    conditions: podConditions(exit.finishedAt, {
      initialized: true,
      ready: false,
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${name}]`,
    }),
    containerStatuses: containerStatus(pod, {
      ready: false,
      started: false,
      restartCount,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off restarting failed container ${name} in pod ${pod.metadata?.name ?? ''}`,
        },
      },
      lastState: terminated(exit),
    }),
  };
}

/** Exited for good (restartPolicy Never, or OnFailure and exit 0). */
export function finishedStatus(
  pod: PodView,
  exit: Exit,
  restartCount: number,
  hostIP: string | undefined,
  reason?: string,
): PodStatus {
  const state = terminated(exit);
  return {
    phase: exit.exitCode === 0 ? 'Succeeded' : 'Failed',
    ...placement(pod, hostIP),
    conditions: podConditions(exit.finishedAt, {
      initialized: true,
      ready: false,
      reason: exit.exitCode === 0 ? 'PodCompleted' : 'PodFailed',
    }),
    containerStatuses: containerStatus(pod, {
      ready: false,
      started: false,
      restartCount,
      state: reason && state.terminated ? { terminated: { ...state.terminated, reason } } : state,
    }),
  };
}

/** The container cannot be created yet (e.g. a referenced ConfigMap is missing). */
export function configErrorStatus(
  pod: PodView,
  message: string,
  hostIP: string | undefined,
): PodStatus {
  const now = rfc3339(new Date());
  return {
    phase: 'Pending',
    ...placement(pod, hostIP),
    conditions: podConditions(now, {
      initialized: true,
      ready: false,
      reason: 'ContainersNotReady',
    }),
    containerStatuses: containerStatus(pod, {
      ready: false,
      started: false,
      restartCount: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
      state: { waiting: { reason: 'CreateContainerConfigError', message } },
    }),
  };
}
