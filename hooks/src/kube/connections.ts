// API clients that share one connection pool. @kubernetes/client-node 2.0 gives every call a new
// undici Agent (KubeConfig.applySecurityAuthentication), so every call opened a new TCP + TLS
// connection: a handshake on both ends and a TLS context in native memory per request, thousands
// per rollout. Here the first call's Agent is kept for all later calls; the credentials are still
// applied to every request (a rotated token is picked up as before).
import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class PooledAuthentication implements SecurityAuthentication {
  private readonly kc: KubeConfig;
  private pool: Dispatcher | undefined;

  constructor(kc: KubeConfig) {
    this.kc = kc;
  }

  getName(): string {
    return 'kubeconfig, one connection pool';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const pool = this.pool ?? fresh;
    this.pool = pool;
    context.setDispatcher(pool);
  }
}

/** The client configuration KubeConfig.makeApiClient uses, with the shared pool. */
export function pooledConfiguration(kc: KubeConfig): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: new PooledAuthentication(kc) },
  });
}

/** What KubeConfig.makeApiClient builds, with the shared pool. */
export function pooledClientFactory(
  kc: KubeConfig,
): <T>(api: new (configuration: Configuration) => T) => T {
  const configuration = pooledConfiguration(kc);
  return (api) => new api(configuration);
}
