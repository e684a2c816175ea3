// KMM >= 2.4's image check: one ModuleImagesConfig (MIC) per Module lists the images of the nodes
// it targets; a pull pod per unchecked image pulls it, and once it succeeds the MIC says `Exists`.
// A node is configured (gets its NodeModulesConfig entry) only for an image the MIC says exists; a
// missing pre-built image leaves its pull pod failing to pull and the MIC silent. Pure.
import type { NodeView, PodView } from '../kube/views.ts';
import { moduleConfigFor, nodeKernel, selectsNode } from './targeting.ts';
import type { Module } from './types.ts';

export const imageOwnerLabel = 'kmm.node.kubernetes.io/image-owner';
export const pullPodTypeLabel = 'kmm.node.kubernetes.io/pull-pod-type';
export const imageExists = 'Exists';

export interface Mic {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: { readonly images?: readonly { readonly image: string }[] };
  readonly status?: {
    readonly imagesStates?: readonly { readonly image: string; readonly status: string }[];
  };
}

/** Each image the Module loads on a node it targets, with the first such node (by name). */
export function wantedImages(module: Module, nodes: readonly NodeView[]): Map<string, string> {
  const images = new Map<string, string>();
  const byName = [...nodes].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  for (const node of byName) {
    if (!selectsNode(module, node.metadata?.labels ?? {})) continue;
    const config = moduleConfigFor(module, nodeKernel(node));
    if (config && !images.has(config.containerImage))
      images.set(config.containerImage, node.metadata?.name ?? '');
  }
  return images;
}

export function imageConfirmed(mic: Mic | undefined, image: string): boolean {
  return (mic?.status?.imagesStates ?? []).some(
    (s) => s.image === image && s.status === imageExists,
  );
}

export function pullPodImage(pod: PodView): string | undefined {
  return pod.spec?.containers[0]?.image;
}

export type ImageCheckStep =
  | { readonly kind: 'write-spec'; readonly images: readonly string[] }
  | { readonly kind: 'pull'; readonly image: string; readonly node: string }
  | { readonly kind: 'record'; readonly image: string }
  | { readonly kind: 'delete-pod'; readonly pod: PodView; readonly why: string };

/** The next step of one Module's image check, from its MIC and its pull pods. */
export function imageCheckStep(
  wanted: ReadonlyMap<string, string>,
  mic: Mic | undefined,
  pullPods: readonly PodView[],
): ImageCheckStep | undefined {
  const images = [...wanted.keys()].sort();
  const listed = (mic?.spec?.images ?? []).map((i) => i.image).sort();
  if (!mic || JSON.stringify(listed) !== JSON.stringify(images))
    return { kind: 'write-spec', images };
  for (const pod of pullPods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const image = pullPodImage(pod) ?? '';
    if (!wanted.has(image))
      return { kind: 'delete-pod', pod, why: 'image no longer in the ModuleImagesConfig' };
    if (pod.status?.phase !== 'Succeeded') continue;
    if (!imageConfirmed(mic, image)) return { kind: 'record', image };
    return { kind: 'delete-pod', pod, why: 'image recorded as existing' };
  }
  for (const image of images) {
    if (imageConfirmed(mic, image)) continue;
    if (pullPods.some((p) => pullPodImage(p) === image)) continue;
    return { kind: 'pull', image, node: wanted.get(image) ?? '' };
  }
  return undefined;
}
