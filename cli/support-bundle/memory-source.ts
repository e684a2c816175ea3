// An in-memory ClusterSource for unit tests: objects per kind, refusals (403), kinds not served
// (404), and reads that never answer (to exercise the per-item timeout).
import { matches, parse } from '../../hooks/src/kube/selectors.ts';
import {
  resourceName,
  SourceError,
  type ClusterSource,
  type KubeObject,
  type ListQuery,
  type LogQuery,
  type ResourceKind,
} from './source.ts';

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
}

function metaOf(o: KubeObject): Meta {
  const meta: Meta = o.metadata ?? {};
  return meta;
}

/** `a.b=c,d=e`: equality on dotted paths, as the bundle's field selectors use it. */
function fieldsMatch(o: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [path = '', want = ''] = term.split('=');
    let value: unknown = o;
    for (const part of path.split('.'))
      value =
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)[part]
          : undefined;
    return value === want;
  });
}

export function logKey(q: Omit<LogQuery, 'limitBytes'>): string {
  return `${q.namespace}/${q.pod}/${q.container}${q.previous ? '/previous' : ''}`;
}

export class MemorySource implements ClusterSource {
  private readonly objects = new Map<string, KubeObject[]>();
  private readonly logs = new Map<string, string>();
  /** `<resource>` or `<resource>@<namespace>` (resource as RBAC names it, `pods/log` for logs). */
  readonly forbidden = new Set<string>();
  readonly notServed = new Set<string>();
  /** Same keys as `forbidden`: reads that wait until aborted. */
  readonly hanging = new Set<string>();
  version: KubeObject = { major: '1', minor: '33', gitVersion: 'v1.33.0' };

  add(kind: ResourceKind, ...objects: KubeObject[]): this {
    const key = resourceName(kind);
    this.objects.set(key, [...(this.objects.get(key) ?? []), ...objects]);
    return this;
  }

  setLog(query: Omit<LogQuery, 'limitBytes'>, text: string): this {
    this.logs.set(logKey(query), text);
    return this;
  }

  async list(kind: ResourceKind, query: ListQuery, signal: AbortSignal): Promise<KubeObject[]> {
    await this.gate(resourceName(kind), query.namespace, signal);
    const selector = parse(query.labelSelector ?? '', 'labelSelector');
    return (this.objects.get(resourceName(kind)) ?? []).filter((o) => {
      const meta = metaOf(o);
      return (
        (query.namespace === undefined || !kind.namespaced || meta.namespace === query.namespace) &&
        matches(selector, meta.labels ?? {}) &&
        fieldsMatch(o, query.fieldSelector)
      );
    });
  }

  async get(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<KubeObject> {
    const found = (await this.list(kind, namespace ? { namespace } : {}, signal)).find(
      (o) => metaOf(o).name === name,
    );
    if (!found) throw new SourceError(`${resourceName(kind)} "${name}" not found`, 404);
    return found;
  }

  async podLog(query: LogQuery, signal: AbortSignal): Promise<string> {
    await this.gate('pods/log', query.namespace, signal);
    const text = this.logs.get(logKey(query));
    if (text === undefined)
      throw new SourceError(
        query.previous
          ? `previous terminated container "${query.container}" in pod "${query.pod}" not found`
          : `container "${query.container}" in pod "${query.pod}" not found`,
        query.previous ? 400 : 404,
      );
    return Buffer.from(text).subarray(-query.limitBytes).toString('utf8');
  }

  serverVersion(signal: AbortSignal): Promise<KubeObject> {
    return this.gate('/version', undefined, signal).then(() => this.version);
  }

  private async gate(
    resource: string,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const keys = [resource, ...(namespace ? [`${resource}@${namespace}`] : [])];
    if (keys.some((k) => this.hanging.has(k)))
      await new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          reject(new SourceError('aborted'));
        });
      });
    if (keys.some((k) => this.forbidden.has(k)))
      throw new SourceError(`${resource} is forbidden`, 403);
    if (this.notServed.has(resource))
      throw new SourceError('the server could not find the requested resource', 404);
  }
}
