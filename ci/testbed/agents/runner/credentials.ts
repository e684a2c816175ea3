// What a kubelet hands a container besides its command: the ConfigMaps and Secrets its environment
// names, and credentials of its ServiceAccount — here a kubeconfig holding a token bound to the pod.
import {
  AuthenticationV1TokenRequest,
  V1BoundObjectReference,
  V1TokenRequestSpec,
} from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderKubeconfig } from '../../kubeconfig.ts';
import { statusOf, type Clients } from '../kube/client.ts';
import type { ContainerView, PodView } from '../kube/views.ts';
import { envSourceNames, type EnvSources } from './command.ts';

const tokenSeconds = 24 * 3600;

export async function readEnvSources(
  clients: Clients,
  pod: PodView,
  container: ContainerView,
): Promise<EnvSources> {
  const namespace = pod.metadata?.namespace ?? '';
  const names = envSourceNames(container);
  const read = async (
    kind: 'configMap' | 'secret',
    name: string,
  ): Promise<[string, Record<string, string> | undefined]> => {
    try {
      if (kind === 'configMap')
        return [name, (await clients.core.readNamespacedConfigMap({ name, namespace })).data ?? {}];
      const data = (await clients.core.readNamespacedSecret({ name, namespace })).data ?? {};
      const decoded = Object.entries(data).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]);
      return [name, Object.fromEntries(decoded) as Record<string, string>];
    } catch (error) {
      if (statusOf(error) === 404) return [name, undefined];
      throw error;
    }
  };
  return {
    configMaps: new Map(await Promise.all(names.configMaps.map((n) => read('configMap', n)))),
    secrets: new Map(await Promise.all(names.secrets.map((n) => read('secret', n)))),
  };
}

/**
 * Writes `<dir>/kubeconfig`: the test bed's server and CA, and a TokenRequest token of the pod's
 * ServiceAccount bound to the pod (what the in-cluster config of a real pod amounts to).
 */
export async function writePodKubeconfig(
  clients: Clients,
  pod: PodView,
  dir: string,
): Promise<string> {
  const namespace = pod.metadata?.namespace ?? '';
  const serviceAccount = pod.spec?.serviceAccountName ?? 'default';
  const bound = new V1BoundObjectReference();
  bound.apiVersion = 'v1';
  bound.kind = 'Pod';
  bound.name = pod.metadata?.name ?? '';
  bound.uid = pod.metadata?.uid ?? '';
  const spec = new V1TokenRequestSpec();
  spec.audiences = [];
  spec.expirationSeconds = tokenSeconds;
  spec.boundObjectRef = bound;
  const body = new AuthenticationV1TokenRequest();
  body.spec = spec;
  const token = await clients.core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body,
  });
  const cluster = clients.kc.getCurrentCluster();
  if (!cluster) throw new Error('the agents kubeconfig has no current cluster');
  let caFile = cluster.caFile;
  if (!caFile) {
    caFile = join(dir, 'ca.crt');
    await writeFile(caFile, Buffer.from(cluster.caData ?? '', 'base64'));
  }
  const file = join(dir, 'kubeconfig');
  const user = {
    name: `system:serviceaccount:${namespace}:${serviceAccount}`,
    token: token.status?.token ?? '',
  };
  await writeFile(file, renderKubeconfig(cluster.server, caFile, user, namespace), {
    mode: 0o600,
  });
  return file;
}
