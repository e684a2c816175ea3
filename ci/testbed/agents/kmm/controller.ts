// The KMM stand-in: per node, the same loop KMM's controllers run together — version labels, NMC
// spec, worker pods, NMC status, ready labels and events — one step at a time, re-reading the
// cache after each write. Its worker pods run in worker-runtime.ts.
import type { KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  kmmGroup,
  kmmVersion,
  createObject,
  mergePatch,
  patchNodeLabels,
  recordNodeEvent,
  statusOf,
  type Caches,
  type ChangeHandler,
  type Clients,
} from '../kube/client.ts';
import { eventSpamFilter } from '../kube/event-spam-filter.ts';
import { WorkQueue } from '../kube/queue.ts';
import { atLeastVersion, kmmVersionAnnotation, writesVersionReady } from '../faults.ts';
import type { Logger } from '../log.ts';
import { moduleNameLabel, refKey, workerVersionLabel, type ModuleRef } from './labels.ts';
import {
  canonical,
  nextSpec,
  readyChanges,
  readySince,
  recordedStatus,
  shuffled,
  taintedReadyLabels,
  workerAction,
  workerStep,
  type WorkerStep,
} from './nmc.ts';
import { droppedWorkerLabels, requeueDueAt, requeueLives, workerLabelChanges } from './versions.ts';
import type { PodView } from '../kube/views.ts';
import type { Module, Nmc, NmcEntry } from './types.ts';
import { finalizerStep, moduleFinalizer } from './finalizer.ts';
import { imageChecked } from './image-checks.ts';
import { workerPod } from './worker-pod.ts';
import { workerRuntime, type Step, type WorkerTiming } from './worker-runtime.ts';

export interface KmmOptions extends WorkerTiming {
  /** KMM version to behave as where the node has no kmm-version annotation. */
  readonly kmmVersion: string;
}

const nmcCrd = `nodemodulesconfigs.${kmmGroup}`;

export function startKmm(
  clients: Clients,
  caches: Caches,
  options: KmmOptions,
  log: Logger,
): { onChange: ChangeHandler; stop: () => void } {
  const driveWorker = workerRuntime(clients, caches, options, log);
  const eventBudget = eventSpamFilter();
  /** When KMM dropped a node's worker label (node/ns/module), and when its requeue comes round. */
  const workerDroppedAt = new Map<string, number>();
  const workerDueAt = new Map<string, number>();
  let nmcHasVersion: boolean | undefined;
  let crdLookup: Promise<boolean | undefined> | undefined;

  const nodeOf = (pod: V1Pod): string | undefined =>
    workerAction(pod) ? pod.spec?.nodeName : undefined;
  const workerPodsOn = (node: string): V1Pod[] =>
    caches.pods.list().filter((p) => nodeOf(p) === node);
  const nmcOf = (node: string): Nmc | undefined =>
    caches.nmcs.get(node) as unknown as Nmc | undefined;

  /** Whether the installed NodeModulesConfig CRD has KMM 2.5's `version` (undefined: no CRD yet). */
  async function versionFieldKnown(): Promise<boolean | undefined> {
    if (nmcHasVersion !== undefined) return nmcHasVersion;
    crdLookup ??= nmcVersionField(clients, log)
      .then((known) => {
        nmcHasVersion = known;
        return known;
      })
      .finally(() => {
        crdLookup = undefined;
      });
    return crdLookup;
  }

  /** KMM >= 2.4 gates each node on its image check, where the bed serves ModuleImagesConfigs. */
  const imageGateOn = (): boolean =>
    atLeastVersion(options.kmmVersion, '2.4') && caches.mics.synced();

  function kmmVersionOn(node: V1Node): string {
    return node.metadata?.annotations?.[kmmVersionAnnotation] ?? options.kmmVersion;
  }

  const withoutVersion = (entries: readonly NmcEntry[]): NmcEntry[] =>
    nmcHasVersion ? [...entries] : entries.map(({ version: _v, ...rest }) => rest);

  const writeNmc = (
    node: V1Node,
    nmc: Nmc | undefined,
    part: 'spec' | 'status',
    modules: readonly NmcEntry[],
  ): Promise<void> => putNmc(clients, caches, node, nmc, part, withoutVersion(modules));

  async function runWorkerStep(
    node: V1Node,
    nmc: Nmc | undefined,
    step: WorkerStep,
  ): Promise<Step> {
    const nodeName = node.metadata?.name ?? '';
    if (step.kind === 'delete') {
      log.info('deleting worker pod', {
        node: nodeName,
        pod: step.pod.metadata?.name,
        why: step.why,
      });
      await deleteWorkerPod(clients, caches, step.pod);
      return 'acted';
    }
    if (step.kind !== 'create') {
      if (step.kind === 'forget')
        log.info('status entry dropped without an unload', {
          node: nodeName,
          module: refKey(step.entry),
          why: step.why,
        });
      await writeNmc(node, nmc, 'status', recordedStatus(nmc?.status?.modules ?? [], step));
      return 'acted';
    }
    const version =
      step.entry.version ??
      (node.metadata?.labels?.[workerVersionLabel(step.entry.namespace, step.entry.name)] ||
        undefined);
    // KMM's worker pods need its CA ConfigMap, which it creates only in a namespace holding a
    // Module: a namespace re-created after a deadlock cannot unload until a Module is back in it.
    if (!caches.modules.list().some((m) => m.metadata?.namespace === step.entry.namespace)) {
      log.info('no Module in the namespace: cannot create the worker pod', {
        node: nodeName,
        module: refKey(step.entry),
      });
      return 2000;
    }
    const owner = nmc?.metadata.uid ? { name: nodeName, uid: nmc.metadata.uid } : undefined;
    const pod = workerPod(nodeName, step.action, step.entry, version, owner);
    try {
      await createObject(clients, caches.pods, pod);
      log.info(`${step.action} worker pod created`, {
        node: nodeName,
        module: refKey(step.entry),
        version,
      });
      return 'acted';
    } catch (error) {
      const code = statusOf(error);
      if (code === 409) return 500;
      // A terminating or deleted namespace refuses the worker pod: KMM keeps its status entry (and
      // `.ready`) and retries with back-off until the namespace exists again.
      throw error;
    }
  }

  /**
   * KMM's worker labels follow the user's version labels, but a dropped one comes back only on
   * KMM's rate-limited requeue (its back-off from the drop): 'acted', or how long until then.
   */
  async function workerLabelStep(
    nodeName: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<Step> {
    const workerLabels = workerLabelChanges(labels);
    const now = Date.now();
    for (const key of [...workerDroppedAt.keys()].filter((k) => k.startsWith(`${nodeName}/`))) {
      const [, namespace = '', name = ''] = key.split('/');
      if (!requeueLives(labels, { namespace, name })) {
        workerDroppedAt.delete(key);
        workerDueAt.delete(key);
      }
    }
    const deferred = new Set<string>();
    let requeueWait: number | undefined;
    for (const ref of workerLabels.workerDue) {
      const key = `${nodeName}/${refKey(ref)}`;
      const dropped = workerDroppedAt.get(key);
      if (dropped === undefined) continue;
      const due = workerDueAt.get(key) ?? requeueDueAt(dropped, now);
      if (now < due) {
        workerDueAt.set(key, due);
        deferred.add(workerVersionLabel(ref.namespace, ref.name));
        requeueWait = Math.min(requeueWait ?? due - now, due - now);
      } else {
        workerDroppedAt.delete(key);
        workerDueAt.delete(key);
      }
    }
    const set = Object.fromEntries(
      Object.entries(workerLabels.set).filter(([key]) => !deferred.has(key)),
    );
    if (Object.keys(set).length === 0 && workerLabels.remove.length === 0) return requeueWait;
    log.info('worker version labels', { node: nodeName, set, remove: workerLabels.remove });
    await patchNodeLabels(clients, caches, nodeName, {
      ...set,
      ...Object.fromEntries(workerLabels.remove.map((k) => [k, null])),
    });
    for (const ref of droppedWorkerLabels(workerLabels.remove))
      workerDroppedAt.set(`${nodeName}/${refKey(ref)}`, now);
    return 'acted';
  }

  async function step(nodeName: string, versionField: boolean): Promise<Step> {
    const node = caches.nodes.get(nodeName);
    if (!node) return undefined;
    const labels = node.metadata?.labels ?? {};

    const labelStep = await workerLabelStep(nodeName, labels);
    if (labelStep === 'acted') return labelStep;
    const requeueWait = labelStep;

    const nmc = nmcOf(nodeName);
    // A deleted Module (held by its finalizer) is unloaded everywhere, as KMM does.
    const modules = (caches.modules.list() as unknown as Module[]).filter(
      (m) => !m.metadata.deletionTimestamp,
    );
    const currentSpec = nmc?.spec?.modules ?? [];
    const spec = nextSpec(currentSpec, modules, node, {
      nmcHasVersion: versionField,
      ...(imageGateOn()
        ? { imageChecked: (m: Module, image: string) => imageChecked(caches, m, image) }
        : {}),
    });
    // KMM reconciles NodeModulesConfigs: a node no Module has targeted has none, and KMM never
    // touches it, whatever its labels (its reconciler returns on a missing NodeModulesConfig).
    if (!nmc && spec.length === 0 && workerPodsOn(nodeName).length === 0) return requeueWait;
    if (canonical(withoutVersion(spec)) !== canonical(withoutVersion(currentSpec))) {
      log.info('NodeModulesConfig spec', { node: nodeName, modules: spec.map(refKey) });
      await writeNmc(node, nmc, 'spec', spec);
      return 'acted';
    }

    // KMM drops `.ready` at once on an untolerated NoSchedule/NoExecute taint (a cordon included),
    // before its unload pods have run.
    const tainted = taintedReadyLabels(labels, modules, node);
    if (tainted.length > 0) {
      log.info('untolerated taint: ready labels dropped', { node: nodeName, labels: tainted });
      await patchNodeLabels(
        clients,
        caches,
        nodeName,
        Object.fromEntries(tainted.map((k) => [k, null])),
      );
      return 'acted';
    }

    const status = nmc?.status?.modules ?? [];
    const pods = workerPodsOn(nodeName);
    const refs = new Map<string, ModuleRef>();
    for (const e of [...spec, ...status]) refs.set(refKey(e), e);
    for (const p of pods) {
      const ref = {
        namespace: p.metadata?.namespace ?? '',
        name: p.metadata?.labels?.[moduleNameLabel] ?? '',
      };
      refs.set(refKey(ref), ref);
    }
    // KMM runs a node's workers in parallel and in no order (it does not know onload needs sfc).
    for (const [key, ref] of shuffled([...refs])) {
      const next = workerStep(
        ref,
        spec.find((e) => refKey(e) === key),
        status.find((e) => refKey(e) === key),
        pods.find(
          (p) =>
            p.metadata?.namespace === ref.namespace &&
            p.metadata.labels?.[moduleNameLabel] === ref.name,
        ),
        new Date(),
        readySince(node),
      );
      if (next) return runWorkerStep(node, nmc, next);
    }

    const ready = readyChanges(labels, spec, status, writesVersionReady(kmmVersionOn(node)));
    if (ready.length > 0) {
      await patchNodeLabels(clients, caches, nodeName, {
        ...Object.fromEntries(ready.flatMap((c) => Object.entries(c.set))),
        ...Object.fromEntries(ready.flatMap((c) => c.remove.map((k) => [k, null]))),
      });
      for (const change of ready) {
        const reason = change.loaded ? 'ModuleLoaded' : 'ModuleUnloaded';
        log.info(reason, { node: nodeName, module: refKey(change.ref), set: change.set });
        if (!eventBudget.allow('kmm', `Node/${nodeName}`, Date.now())) {
          log.info('event dropped: over the recorder budget for this node', {
            node: nodeName,
            reason,
          });
          continue;
        }
        await recordNodeEvent(clients, node, {
          reason,
          message: `Module ${refKey(change.ref)} ${change.loaded ? 'loaded into' : 'unloaded from'} the kernel`,
          component: 'kmm',
          annotations: { module: refKey(change.ref) },
        });
      }
      return 'acted';
    }

    let wait = requeueWait;
    for (const pod of pods) {
      const result = await driveWorker(node, nmc, pod);
      if (result === 'acted') return result;
      if (result !== undefined) wait = Math.min(wait ?? result, result);
    }
    return wait;
  }

  const queue = new WorkQueue(async (nodeName) => {
    if (![caches.nodes, caches.pods, caches.modules, caches.nmcs].every((c) => c.synced()))
      return 1000;
    const versionField = await versionFieldKnown();
    if (versionField === undefined) return 1000;
    for (let i = 0; i < 100; i++) {
      const result = await step(nodeName, versionField);
      if (result !== 'acted') return result;
    }
    return 0;
  }, log);

  const finalizers = moduleFinalizerQueue(clients, caches, log);

  const enqueueAll = (): void => {
    for (const n of caches.nodes.list()) queue.add(n.metadata?.name ?? '');
  };
  const enqueueModules = (): void => {
    for (const m of caches.modules.list())
      finalizers.add(`${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`);
  };
  return {
    onChange: (change) => {
      switch (change.kind) {
        case 'modules':
          enqueueAll();
          enqueueModules();
          break;
        case 'nmcs':
          enqueueModules();
          queue.add(change.object.metadata?.name ?? '');
          break;
        case 'mics':
          enqueueAll();
          break;
        case 'pods': {
          const node = nodeOf(change.object);
          if (node) queue.add(node);
          break;
        }
        default:
          queue.add(change.object.metadata?.name ?? '');
      }
    },
    stop: () => {
      queue.stop();
      finalizers.stop();
    },
  };
}

/** Whether the installed NodeModulesConfig CRD has KMM 2.5's `version` (undefined: no CRD yet). */
async function nmcVersionField(clients: Clients, log: Logger): Promise<boolean | undefined> {
  try {
    const crd = await clients.apiext.readCustomResourceDefinition({ name: nmcCrd });
    const schema = crd.spec.versions.find((v) => v.name === kmmVersion)?.schema?.openAPIV3Schema;
    const items: unknown = schema?.properties?.spec?.properties?.modules?.items;
    const known =
      typeof items === 'object' &&
      items !== null &&
      'properties' in items &&
      typeof items.properties === 'object' &&
      items.properties !== null &&
      'version' in items.properties;
    log.info('NodeModulesConfig CRD found', { versionField: known });
    return known;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

async function deleteWorkerPod(clients: Clients, caches: Caches, pod: PodView): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  try {
    await clients.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  await caches.pods.observed(name, namespace, undefined);
}

/** KMM's Module finalizer (finalizer.ts): added to every Module, removed once nothing is loaded. */
function moduleFinalizerQueue(clients: Clients, caches: Caches, log: Logger): WorkQueue {
  return new WorkQueue(async (key) => {
    if (!caches.modules.synced() || !caches.nmcs.synced()) return 1000;
    const [namespace = '', name = ''] = key.split('/');
    const module = caches.modules.get(name, namespace) as unknown as Module | undefined;
    if (!module) return undefined;
    const nmcs = caches.nmcs.list() as unknown as Nmc[];
    const next = finalizerStep(module, nmcs);
    if (!next) return undefined;
    const current = module.metadata.finalizers ?? [];
    const finalizersAfter =
      next === 'add' ? [...current, moduleFinalizer] : current.filter((f) => f !== moduleFinalizer);
    log.info(`Module finalizer: ${next}`, { module: key });
    try {
      await clients.custom.patchNamespacedCustomObject(
        {
          group: kmmGroup,
          version: kmmVersion,
          plural: 'modules',
          namespace,
          name,
          body: {
            metadata: {
              finalizers: finalizersAfter,
              resourceVersion: (module.metadata as { resourceVersion?: string }).resourceVersion,
            },
          },
        },
        mergePatch,
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      if (statusOf(error) === 409) return 200;
      throw error;
    }
    return undefined;
  }, log);
}

async function putNmc(
  clients: Clients,
  caches: Caches,
  node: V1Node,
  nmc: Nmc | undefined,
  part: 'spec' | 'status',
  modules: readonly NmcEntry[],
): Promise<void> {
  const name = node.metadata?.name ?? '';
  const base = { group: kmmGroup, version: kmmVersion, plural: 'nodemodulesconfigs' };
  const body = {
    apiVersion: `${kmmGroup}/${kmmVersion}`,
    kind: 'NodeModulesConfig',
    ...nmc,
    metadata: nmc?.metadata ?? {
      name,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    [part]: { modules },
  };
  const written = (
    !nmc
      ? await clients.custom.createClusterCustomObject({ ...base, body })
      : part === 'spec'
        ? await clients.custom.replaceClusterCustomObject({ ...base, name, body })
        : await clients.custom.replaceClusterCustomObjectStatus({ ...base, name, body })
  ) as KubernetesObject;
  await caches.nmcs.observed(name, undefined, written.metadata?.resourceVersion);
}
