// KMM's worker pods as the stand-in creates them (name, labels, annotations, node binding as KMM
// documents), and how they run: the stand-in plays the node's kubelet for them. Pure.
import type { Fault } from '../faults.ts';
import type { PodView } from '../kube/views.ts';
import {
  podConditions,
  type ContainerStatus,
  type Manifest,
  type PodStatus,
} from '../kube/shapes.ts';
import { rfc3339 } from '../time.ts';
import {
  moduleNameLabel,
  workerActionLabel,
  workerConfigAnnotation,
  workerModuleVersionAnnotation,
} from './labels.ts';
import type { WorkerAction } from './nmc.ts';
import type { NmcEntry } from './types.ts';

/** KWOK's stages leave pods with this label alone. */
export const runnerLabel = 'onload.amd.com/testbed-runner';
export const hungAnnotation = 'testbed.onload.amd.com/worker-hung';
export const workerImage = 'testbed.invalid/kmm-worker:stand-in';

export function workerPodName(node: string, module: string): string {
  return `kmm-worker-${node}-${module}`;
}

export function workerPod(
  node: string,
  action: WorkerAction,
  entry: NmcEntry,
  version: string | undefined,
  owner: { readonly name: string; readonly uid: string } | undefined,
): Manifest {
  const dirName = entry.config.modprobe.dirName ?? '/opt';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: workerPodName(node, entry.name),
      namespace: entry.namespace,
      labels: {
        [workerActionLabel]: action,
        [moduleNameLabel]: entry.name,
        [runnerLabel]: 'kmm',
      },
      annotations: {
        [workerConfigAnnotation]: JSON.stringify(entry.config),
        ...(version ? { [workerModuleVersionAnnotation]: version } : {}),
      },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
                kind: 'NodeModulesConfig',
                name: owner.name,
                uid: owner.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: node,
      restartPolicy: 'OnFailure',
      terminationGracePeriodSeconds: 1,
      ...(entry.serviceAccountName ? { serviceAccountName: entry.serviceAccountName } : {}),
      ...(entry.imageRepoSecret ? { imagePullSecrets: [entry.imageRepoSecret] } : {}),
      initContainers: [
        {
          name: 'image-extractor',
          image: entry.config.containerImage,
          command: ['/bin/sh', '-c'],
          args: [
            `cp -R ${dirName}/lib/modules/${entry.config.kernelVersion} /tmp${dirName}/lib/modules`,
          ],
        },
      ],
      containers: [
        {
          name: 'worker',
          image: workerImage,
          args: ['kmod', action.toLowerCase(), '/etc/kmm-worker/config.yaml'],
        },
      ],
    },
  };
}

export type Outcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'fail'; readonly message: string };

/** What one run of the worker's modprobe does on this node. */
export function attemptOutcome(input: {
  readonly action: WorkerAction;
  readonly kmod: string;
  readonly kernel: string;
  readonly fault: Fault | undefined;
  /** Kernel modules the node has loaded through Modules of the worker's namespace. */
  readonly loadedKmods: readonly string[];
}): Outcome {
  if (input.fault === 'hang') return { kind: 'hang' };
  if (input.fault === 'fail')
    return {
      kind: 'fail',
      message:
        input.action === 'Load'
          ? `modprobe: FATAL: Module ${input.kmod} not found in directory /tmp/opt/lib/modules/${input.kernel}`
          : `modprobe: FATAL: Module ${input.kmod} could not be removed: Operation not permitted`,
    };
  if (input.action === 'Unload' && input.kmod === 'sfc' && input.loadedKmods.includes('onload'))
    return { kind: 'fail', message: 'modprobe: FATAL: Module sfc is in use.' };
  return { kind: 'success' };
}

const extractorDone = (pod: PodView, now: string): ContainerStatus[] =>
  (pod.spec?.initContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: true,
    restartCount: 0,
    state: {
      terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
    },
  }));

function restartCount(pod: PodView): number {
  return pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
}

function workerStatus(
  status: Omit<ContainerStatus, 'name' | 'image' | 'imageID'>,
): ContainerStatus {
  return { name: 'worker', image: workerImage, imageID: '', ...status };
}

/** The worker container started (first run). */
export function startedStatus(pod: PodView, at: Date, hostIP: string | undefined): PodStatus {
  const now = rfc3339(at);
  return {
    phase: 'Running',
    startTime: now,
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    conditions: podConditions(now, { initialized: true, ready: true }),
    initContainerStatuses: extractorDone(pod, now),
    containerStatuses: [
      workerStatus({
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      }),
    ],
  };
}

export function succeededStatus(pod: PodView, at: Date): PodStatus {
  const now = rfc3339(at);
  return {
    phase: 'Succeeded',
    conditions: podConditions(now, { initialized: true, ready: false, reason: 'PodCompleted' }),
    containerStatuses: [
      workerStatus({
        ready: false,
        started: false,
        restartCount: restartCount(pod),
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
        },
      }),
    ],
  };
}

/** modprobe failed: the container exited 1 and kubelet backs off before restarting it. */
export function crashLoopStatus(pod: PodView, at: Date, message: string): PodStatus {
  const now = rfc3339(at);
  return {
    phase: 'Running',
    conditions: podConditions(now, {
      initialized: true,
      ready: false,
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [worker]',
    }),
    containerStatuses: [
      workerStatus({
        ready: false,
        started: false,
        restartCount: restartCount(pod) + 1,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off restarting failed container worker in pod ${pod.metadata?.name ?? ''}: ${message}`,
          },
        },
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', message, startedAt: now, finishedAt: now },
        },
      }),
    ],
  };
}

/**
 * A deleted worker pod whose container was killed (SIGTERM, exit 143): the terminal phase a
 * kubelet reports before the pod's finalizers let it go. KMM deletes its finalizer from a Failed
 * worker pod, so without this a worker pod deleted by someone else stays Terminating.
 */
export function killedStatus(pod: PodView, at: Date): PodStatus {
  const now = rfc3339(at);
  return {
    phase: 'Failed',
    conditions: podConditions(now, { initialized: true, ready: false, reason: 'PodFailed' }),
    containerStatuses: [
      workerStatus({
        ready: false,
        started: false,
        restartCount: restartCount(pod),
        state: { terminated: { exitCode: 143, reason: 'Error', startedAt: now, finishedAt: now } },
      }),
    ],
  };
}
