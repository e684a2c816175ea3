// The handover's one adapter over the Kubernetes API (client-node, the user's kubeconfig): reads
// what the plan needs and makes the few changes the handover makes.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1Eviction,
  V1ObjectMeta,
  type V1CustomResourceDefinition,
  type V1Pod,
} from '@kubernetes/client-node';
import { statusOf } from '../../../hooks/src/kube/errors.ts';
import { moduleNames, onloadResource } from '../../../hooks/src/contract.ts';
import { operatorDeploymentName } from '../../../hooks/src/planner/preflight.ts';
import type { OperatorNames } from './names.ts';
import type { ClusterState, NodeState } from './plan.ts';

const kmm = { group: 'kmm.sigs.x-k8s.io', version: 'v1beta1', plural: 'modules' } as const;
const onloadApi = { group: 'onload.amd.com', version: 'v1alpha1', plural: 'onloads' } as const;
export const onloadCrdName = 'onloads.onload.amd.com';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** This chart's CRD has the rollout settings (`spec.upgrade`); the operator's has not. */
export function isChartCrd(crd: V1CustomResourceDefinition): boolean {
  const version = crd.spec.versions.find((v) => v.storage);
  const spec = version?.schema?.openAPIV3Schema?.properties?.spec;
  return spec?.properties?.upgrade !== undefined;
}

export function usesOnload(pod: V1Pod): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return (pod.spec?.containers ?? []).some((c) => {
    const want = c.resources?.requests?.[onloadResource] ?? c.resources?.limits?.[onloadResource];
    return want !== undefined && want !== '0';
  });
}

function podRef(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export interface ModuleVersions {
  readonly onload?: string;
  readonly sfc?: string;
}

export class HandoverCluster {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly crds: ApiextensionsV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.crds = kc.makeApiClient(ApiextensionsV1Api);
  }

  async read(namespace: string, cr: string, names: OperatorNames): Promise<ClusterState> {
    const deployments = await this.apps.listDeploymentForAllNamespaces({
      fieldSelector: `metadata.name=${operatorDeploymentName}`,
    });
    const operatorRunning = deployments.items
      .filter((d) => (d.spec?.replicas ?? 1) > 0)
      .map((d) => `${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''}`);
    const crd = await orUndefined(() =>
      this.crds.readCustomResourceDefinition({ name: onloadCrdName }),
    );
    const crExists =
      crd !== undefined &&
      (await orUndefined(() =>
        this.custom.getNamespacedCustomObject({ ...onloadApi, namespace, name: cr }),
      )) !== undefined;
    const operatorObjects: string[] = [];
    for (const module of [names.onloadModule, names.sfcModule])
      if ((await this.moduleVersion(namespace, module)) !== null)
        operatorObjects.push(`Module ${module}`);
    const ds = await orUndefined(() =>
      this.apps.readNamespacedDaemonSet({ namespace, name: names.daemonSet }),
    );
    if (ds) operatorObjects.push(`DaemonSet ${names.daemonSet}`);
    const chart = await this.chartModules(namespace);
    return {
      namespace,
      cr,
      names,
      operatorRunning,
      crExists,
      crdOutdated: crd !== undefined && !isChartCrd(crd),
      operatorObjects,
      ...(chart.onload !== undefined
        ? {
            chart: { onload: chart.onload, ...(chart.sfc !== undefined ? { sfc: chart.sfc } : {}) },
          }
        : {}),
      nodes: await this.nodes(),
    };
  }

  /** The Module's version; null when the Module does not exist. */
  async moduleVersion(namespace: string, name: string): Promise<string | null | undefined> {
    const module = (await orUndefined(() =>
      this.custom.getNamespacedCustomObject({ ...kmm, namespace, name }),
    )) as { spec?: { moduleLoader?: { container?: { version?: string } } } } | undefined;
    if (module === undefined) return null;
    return module.spec?.moduleLoader?.container?.version;
  }

  async chartModules(namespace: string): Promise<ModuleVersions> {
    const onload = await this.moduleVersion(namespace, moduleNames.onload);
    const sfc = await this.moduleVersion(namespace, moduleNames.sfc);
    return {
      ...(typeof onload === 'string' ? { onload } : {}),
      ...(typeof sfc === 'string' ? { sfc } : {}),
    };
  }

  async nodes(): Promise<NodeState[]> {
    const pods = (await this.core.listPodForAllNamespaces({})).items.filter(usesOnload);
    return (await this.core.listNode({})).items.map((n) => {
      const name = n.metadata?.name ?? '';
      return {
        name,
        labels: n.metadata?.labels ?? {},
        consumers: pods.filter((p) => p.spec?.nodeName === name).map(podRef),
      };
    });
  }

  async node(name: string): Promise<NodeState | undefined> {
    return (await this.nodes()).find((n) => n.name === name);
  }

  /** Sets (string) or removes (null) node labels in one merge patch. */
  async labelNode(name: string, labels: Record<string, string | null>): Promise<void> {
    await this.core.patchNode({ name, body: { metadata: { labels } } }, mergePatch);
  }

  async podsOnNode(node: string, namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({
      namespace,
      labelSelector,
      fieldSelector: `spec.nodeName=${node}`,
    });
    return list.items;
  }

  /** Eviction API (PodDisruptionBudgets honoured); false when a budget refuses it for now. */
  async evict(ref: string): Promise<boolean> {
    const [namespace = '', name = ''] = ref.split('/');
    try {
      await this.core.createNamespacedPodEviction({
        namespace,
        name,
        body: Object.assign(new V1Eviction(), {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
        }),
      });
      return true;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404) return true;
      if (status === 429) return false;
      throw e;
    }
  }

  /**
   * Deletes the Onload CR and leaves what it owns: first drops the owner references from its
   * Modules and DaemonSet (so nothing depends on the garbage collector having seen the CR), then
   * deletes it with the orphan policy.
   */
  async orphanCr(namespace: string, name: string, names: OperatorNames): Promise<void> {
    const body = { metadata: { ownerReferences: null } };
    for (const module of [names.onloadModule, names.sfcModule])
      await orUndefined(() =>
        this.custom.patchNamespacedCustomObject(
          { ...kmm, namespace, name: module, body },
          mergePatch,
        ),
      );
    await orUndefined(() =>
      this.apps.patchNamespacedDaemonSet({ namespace, name: names.daemonSet, body }, mergePatch),
    );
    await orUndefined(() =>
      this.custom.deleteNamespacedCustomObject({
        ...onloadApi,
        namespace,
        name,
        propagationPolicy: 'Orphan',
      }),
    );
  }

  async crExists(namespace: string, name: string): Promise<boolean> {
    return (
      (await orUndefined(() =>
        this.custom.getNamespacedCustomObject({ ...onloadApi, namespace, name }),
      )) !== undefined
    );
  }

  async replaceCrd(chartCrd: V1CustomResourceDefinition): Promise<void> {
    const current = await this.crds.readCustomResourceDefinition({ name: onloadCrdName });
    const body = structuredClone(chartCrd);
    body.metadata = Object.assign(new V1ObjectMeta(), body.metadata, {
      resourceVersion: current.metadata?.resourceVersion,
    });
    await this.crds.replaceCustomResourceDefinition({ name: onloadCrdName, body });
  }

  async deleteModule(namespace: string, name: string): Promise<void> {
    await orUndefined(() => this.custom.deleteNamespacedCustomObject({ ...kmm, namespace, name }));
  }

  async deleteDaemonSet(namespace: string, name: string): Promise<void> {
    await orUndefined(() => this.apps.deleteNamespacedDaemonSet({ namespace, name }));
  }
}
