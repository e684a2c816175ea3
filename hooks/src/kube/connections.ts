// API clients and watches that share connections. @kubernetes/client-node 2.0 gives every call
// and every watch a new undici Agent (KubeConfig.applySecurityAuthentication), so each opened a new
// TCP + TLS connection: a handshake on both ends and a TLS context in native memory each,
// thousands per rollout, and one per watch for as long as it runs. Here the API calls share one
// Agent (HTTP/1.1 keep-alive), and the watches another that speaks HTTP/2 where the server offers
// it (the API server does): the per-node watches of a rollout are streams of one connection (the
// API server allows 100 streams per connection; undici opens another beyond that). The calls stay
// off that connection so they never wait behind the watches' streams. The credentials are still
// applied to every request (a rotated token is picked up as before). Through a proxy the client's
// own Agent is kept.
import type * as https from 'node:https';
import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { Agent } from 'undici';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class PooledAuthentication implements SecurityAuthentication {
  private readonly kc: KubeConfig;
  private readonly http2: boolean;
  private pool: Promise<Dispatcher> | undefined;

  /** `http2`: one multiplexed connection (for watches); else HTTP/1.1 keep-alive (for calls). */
  constructor(kc: KubeConfig, options: { readonly http2?: boolean } = {}) {
    this.kc = kc;
    this.http2 = options.http2 ?? false;
  }

  getName(): string {
    return 'kubeconfig, one connection pool';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    this.pool ??= this.http2 ? this.http2Dispatcher(fresh) : Promise.resolve(fresh);
    context.setDispatcher(await this.pool);
  }

  /** An HTTP/2-capable Agent with the kubeconfig's TLS settings; the client's own behind a proxy. */
  private async http2Dispatcher(fresh: Dispatcher): Promise<Dispatcher> {
    const tls: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(tls);
    const options = this.kc.createDispatcherOptions(this.kc.getCurrentCluster(), {
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      ...(tls.pfx !== undefined ? { pfx: tls.pfx } : {}),
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
      ...(tls.rejectUnauthorized !== undefined
        ? { rejectUnauthorized: tls.rejectUnauthorized }
        : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    });
    if (options.type !== 'agent') return fresh;
    return new Agent({ connect: options.connect, allowH2: true });
  }
}

/** What KubeConfig.makeApiClient builds, with the shared pool. */
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

/**
 * What client-node's Watch reads of its KubeConfig (the cluster, and the credentials and
 * connection for a request), answered from a pool of its own (`http2` for many watches).
 */
export function pooledWatchConfig(
  kc: KubeConfig,
  auth = new PooledAuthentication(kc, { http2: true }),
): KubeConfig {
  const config: Pick<KubeConfig, 'getCurrentCluster' | 'applySecurityAuthentication'> = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    applySecurityAuthentication: (context) => auth.applySecurityAuthentication(context),
  };
  return config as KubeConfig;
}
