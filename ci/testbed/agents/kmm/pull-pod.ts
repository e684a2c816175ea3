// KMM's image pull pods: the stand-in creates them as KMM >= 2.4 does (name, labels, owner,
// restart policy), and the agents play the kubelet for them on the fake nodes in both KMM modes: an image
// pulls, unless it is one the bed treats as missing, whose pull fails as a kubelet reports it
// (ErrImagePull, then ImagePullBackOff). Pure.
import { podConditions, type Manifest, type PodStatus } from '../kube/shapes.ts';
import type { PodView } from '../kube/views.ts';
import { rfc3339 } from '../time.ts';
import { imageOwnerLabel, pullPodImage, pullPodTypeLabel, type Mic } from './images.ts';

/** An image with this path segment is one no registry has (the bed's stand-in for a typo or an unpushed tag). */
export const missingImageSegment = 'does-not-exist';

export function isMissingImage(image: string): boolean {
  return image.split(/[/:@]/).includes(missingImageSegment);
}

export function isPullPod(pod: PodView): boolean {
  return pod.metadata?.labels?.[pullPodTypeLabel] !== undefined;
}

export function pullPod(mic: Mic, image: string, node: string, suffix: string): Manifest {
  const module = mic.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${module}-pull-pod-${suffix}`,
      namespace: mic.metadata.namespace,
      labels: { [imageOwnerLabel]: module, [pullPodTypeLabel]: 'until-success' },
      ...(mic.metadata.uid
        ? {
            ownerReferences: [
              {
                apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
                kind: 'ModuleImagesConfig',
                name: module,
                uid: mic.metadata.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      // KMM leaves pull pods to kube-scheduler; the stand-in binds one to a node the Module
      // targets, so the bed's real node never tries to pull a made-up image.
      nodeName: node,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'pull-image', image, command: ['/bin/sh', '-c', 'exit 0'] }],
    },
  };
}

/** The status a kubelet reports next for a pull pod, or undefined when nothing changes. */
export function pullPodStatus(pod: PodView, at: Date): PodStatus | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const image = pullPodImage(pod) ?? '';
  const now = rfc3339(at);
  const container = { name: 'pull-image', image, imageID: '', restartCount: 0 };
  if (!isMissingImage(image))
    return {
      phase: 'Succeeded',
      conditions: podConditions(now, { initialized: true, ready: false, reason: 'PodCompleted' }),
      containerStatuses: [
        {
          ...container,
          ready: false,
          started: false,
          state: {
            terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
          },
        },
      ],
    };
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
  if (waiting === 'ImagePullBackOff') return undefined;
  const reason = waiting === 'ErrImagePull' ? 'ImagePullBackOff' : 'ErrImagePull';
  const message =
    reason === 'ErrImagePull'
      ? `failed to pull and unpack image "${image}": not found`
      : `Back-off pulling image "${image}"`;
  return {
    phase: 'Pending',
    conditions: podConditions(now, {
      initialized: true,
      ready: false,
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [pull-image]',
    }),
    containerStatuses: [
      { ...container, ready: false, started: false, state: { waiting: { reason, message } } },
    ],
  };
}
