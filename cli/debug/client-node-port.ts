// The one DebugPodPort over @kubernetes/client-node, on the hooks' client configuration
// (credentials, TLS, one connection pool).
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pooledClientFactory } from '../../hooks/src/kube/connections.ts';
import { KubeError } from '../../hooks/src/kube/errors.ts';
import { podView, type DebugPodPort, type PodView } from './port.ts';
import { interactiveCall } from '../retry.ts';

export class ClientNodeDebugPods implements DebugPodPort {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = pooledClientFactory(kc)(CoreV1Api);
  }

  async createPod(pod: V1Pod, signal: AbortSignal): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    await interactiveCall(
      `create pod ${namespace}/${pod.metadata?.name ?? ''}`,
      signal,
      false,
      () => this.core.createNamespacedPod({ namespace, body: pod }),
    );
  }

  async readPod(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<PodView | undefined> {
    try {
      const pod = await interactiveCall(`read pod ${namespace}/${name}`, signal, true, () =>
        this.core.readNamespacedPod({ name, namespace }),
      );
      return podView(pod);
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }

  readLog(
    namespace: string,
    name: string,
    container: string,
    signal: AbortSignal,
  ): Promise<string> {
    return interactiveCall(`read the log of pod ${namespace}/${name}`, signal, true, () =>
      this.core.readNamespacedPodLog({ name, namespace, container }),
    );
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await interactiveCall(
        `delete pod ${namespace}/${name}`,
        new AbortController().signal,
        true,
        () => this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }),
      );
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return;
      throw e;
    }
  }

  async readConfigMap(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      const map = await interactiveCall(
        `read ConfigMap ${namespace}/${name}`,
        new AbortController().signal,
        true,
        () => this.core.readNamespacedConfigMap({ name, namespace }),
      );
      return map.data ?? {};
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }
}
