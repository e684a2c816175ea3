// The stand-in's image check (KMM >= 2.4, where the bed serves the ModuleImagesConfig CRD): per
// Module, keeps its MIC listing the images of the nodes it targets, runs a pull pod per unchecked
// image and records `Exists` once one succeeds (images.ts decides; pull-pod.ts is the pod).
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  createObject,
  kmmGroup,
  kmmVersion,
  mergePatch,
  statusOf,
  type Caches,
  type ChangeHandler,
  type Clients,
} from '../kube/client.ts';
import { WorkQueue } from '../kube/queue.ts';
import type { Logger } from '../log.ts';
import {
  imageCheckStep,
  imageConfirmed,
  imageExists,
  imageOwnerLabel,
  wantedImages,
  type Mic,
} from './images.ts';
import { pullPod } from './pull-pod.ts';
import type { Module } from './types.ts';

const micApi = { group: kmmGroup, version: kmmVersion, plural: 'moduleimagesconfigs' };

export function micOf(caches: Caches, namespace: string, name: string): Mic | undefined {
  return caches.mics.get(name, namespace) as unknown as Mic | undefined;
}

/** Whether the Module's image on a node passed KMM's image check. */
export function imageChecked(caches: Caches, module: Module, image: string): boolean {
  return imageConfirmed(micOf(caches, module.metadata.namespace, module.metadata.name), image);
}

export function startImageChecks(
  clients: Clients,
  caches: Caches,
  log: Logger,
): { onChange: ChangeHandler; stop: () => void } {
  async function writeSpec(module: Module, mic: Mic | undefined, images: readonly string[]) {
    const { name, namespace } = module.metadata;
    const spec = { images: images.map((image) => ({ image, generation: '1' })) };
    log.info('ModuleImagesConfig images', { module: `${namespace}/${name}`, images });
    const written = (
      mic
        ? await clients.custom.patchNamespacedCustomObject(
            { ...micApi, namespace, name, body: { spec } },
            mergePatch,
          )
        : await clients.custom.createNamespacedCustomObject({
            ...micApi,
            namespace,
            body: {
              apiVersion: `${kmmGroup}/${kmmVersion}`,
              kind: 'ModuleImagesConfig',
              metadata: { name, namespace, ownerReferences: [moduleOwner(module)] },
              spec,
            },
          })
    ) as KubernetesObject;
    await caches.mics.observed(name, namespace, written.metadata?.resourceVersion);
  }

  async function recordExists(mic: Mic, image: string) {
    const { name, namespace } = mic.metadata;
    const listed = new Set((mic.spec?.images ?? []).map((i) => i.image));
    const imagesStates = [
      ...(mic.status?.imagesStates ?? []).filter((s) => s.image !== image && listed.has(s.image)),
      { image, observedGeneration: '1', status: imageExists },
    ];
    log.info('image exists', { module: `${namespace}/${name}`, image });
    const written = (await clients.custom.patchNamespacedCustomObjectStatus(
      { ...micApi, namespace, name, body: { status: { imagesStates } } },
      mergePatch,
    )) as KubernetesObject;
    await caches.mics.observed(name, namespace, written.metadata?.resourceVersion);
  }

  const queue = new WorkQueue(async (key) => {
    if (![caches.nodes, caches.pods, caches.modules, caches.mics].every((c) => c.synced()))
      return 1000;
    const [namespace = '', name = ''] = key.split('/');
    const module = caches.modules.get(name, namespace) as unknown as Module | undefined;
    if (!module || module.metadata.deletionTimestamp) return undefined;
    const mic = micOf(caches, namespace, name);
    const pullPods = caches.pods
      .list()
      .filter(
        (p) => p.metadata?.namespace === namespace && p.metadata.labels?.[imageOwnerLabel] === name,
      );
    const step = imageCheckStep(wantedImages(module, caches.nodes.list()), mic, pullPods);
    if (!step) return undefined;
    try {
      if (step.kind === 'write-spec') await writeSpec(module, mic, step.images);
      else if (step.kind === 'record' && mic) await recordExists(mic, step.image);
      else if (step.kind === 'pull' && mic) {
        const pod = pullPod(mic, step.image, step.node, randomBytes(3).toString('hex'));
        await createObject(clients, caches.pods, pod);
        log.info('pull pod created', { module: key, image: step.image, node: step.node });
      } else if (step.kind === 'delete-pod') {
        const pod = step.pod.metadata?.name ?? '';
        log.info('deleting pull pod', { module: key, pod, why: step.why });
        await clients.core.deleteNamespacedPod({ name: pod, namespace, gracePeriodSeconds: 0 });
        await caches.pods.observed(pod, namespace, undefined);
      }
    } catch (error) {
      if (statusOf(error) === 409 || statusOf(error) === 404) return 200;
      throw error;
    }
    return 0;
  }, log);

  const enqueueAll = (): void => {
    for (const m of caches.modules.list())
      queue.add(`${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`);
  };
  return {
    onChange: (change) => {
      if (change.kind === 'nodes' || change.kind === 'modules') enqueueAll();
      if (change.kind === 'mics')
        queue.add(
          `${change.object.metadata?.namespace ?? ''}/${change.object.metadata?.name ?? ''}`,
        );
      const owner = change.kind === 'pods' ? change.object.metadata?.labels?.[imageOwnerLabel] : '';
      if (owner) queue.add(`${change.object.metadata?.namespace ?? ''}/${owner}`);
    },
    stop: () => {
      queue.stop();
    },
  };
}

function moduleOwner(module: Module) {
  return {
    apiVersion: `${kmmGroup}/${kmmVersion}`,
    kind: 'Module',
    name: module.metadata.name,
    uid: (module.metadata as { uid?: string }).uid ?? '',
  };
}
