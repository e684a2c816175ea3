// The one ClusterSource over @kubernetes/client-node: plain GETs through the client's own
// configuration (credentials, TLS, the hooks' shared connection pool), so that objects keep every
// field the API server sent (the typed models drop unknown ones) and logs stay text.
import { HttpMethod, type Configuration, type KubeConfig } from '@kubernetes/client-node';
import { pooledConfiguration } from '../../hooks/src/kube/connections.ts';
import { describeFailure, isTransient, KubeError, withRetry } from '../../hooks/src/kube/errors.ts';
import {
  collectionPath,
  SourceError,
  type ClusterSource,
  type KubeObject,
  type ListQuery,
  type LogQuery,
  type ResourceKind,
} from './source.ts';

const pageSize = 500;

export interface ClientNodeSourceOptions {
  /** Attempts for transient failures (5xx, 429, connection errors); default 3. */
  readonly attempts?: number;
}

export class ClientNodeSource implements ClusterSource {
  private readonly configuration: Configuration;
  private readonly attempts: number;

  constructor(kc: KubeConfig, options: ClientNodeSourceOptions = {}) {
    this.configuration = pooledConfiguration(kc);
    this.attempts = options.attempts ?? 3;
  }

  async list(kind: ResourceKind, query: ListQuery, signal: AbortSignal): Promise<KubeObject[]> {
    const path = collectionPath(kind, query.namespace);
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const params: Record<string, string> = {
        limit: String(pageSize),
        ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
        ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
        ...(token ? { continue: token } : {}),
      };
      const page = JSON.parse(await this.getText(path, params, signal)) as {
        items?: KubeObject[];
        metadata?: { continue?: string };
      };
      items.push(...(page.items ?? []));
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  async get(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<KubeObject> {
    const path = `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
    return JSON.parse(await this.getText(path, {}, signal)) as KubeObject;
  }

  podLog(query: LogQuery, signal: AbortSignal): Promise<string> {
    const path = `/api/v1/namespaces/${encodeURIComponent(query.namespace)}/pods/${encodeURIComponent(query.pod)}/log`;
    return this.getText(
      path,
      {
        container: query.container,
        limitBytes: String(query.limitBytes),
        ...(query.previous ? { previous: 'true' } : {}),
      },
      signal,
    );
  }

  async serverVersion(signal: AbortSignal): Promise<KubeObject> {
    return JSON.parse(await this.getText('/version', {}, signal)) as KubeObject;
  }

  private async getText(
    path: string,
    params: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<string> {
    const retry = {
      attempts: this.attempts,
      baseMs: 250,
      maxMs: 2_000,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    };
    try {
      return await withRetry(
        `GET ${path}`,
        () => this.once(path, params, signal),
        retry,
        (e) => (signal.aborted ? false : isTransient(e)),
      );
    } catch (e) {
      const cause = e instanceof KubeError ? e.cause : e;
      const failure = describeFailure(cause);
      throw new SourceError(failure.message, failure.status, { cause });
    }
  }

  private async once(
    path: string,
    params: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<string> {
    const { baseServer, authMethods, httpApi } = this.configuration;
    const request = baseServer.makeRequestContext(path, HttpMethod.GET);
    for (const [key, value] of Object.entries(params)) request.setQueryParam(key, value);
    request.setHeaderParam('Accept', 'application/json, */*');
    await authMethods.default?.applySecurityAuthentication(request);
    request.setSignal(signal);
    const response = await httpApi.send(request).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode >= 400)
      throw Object.assign(new Error(`HTTP ${response.httpStatusCode}`), {
        code: response.httpStatusCode,
        body: text,
      });
    return text;
  }
}
