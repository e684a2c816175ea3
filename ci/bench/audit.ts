// Reads the API server's audit log (JSON lines, Metadata level) into one record per request and
// counts a process's requests: by verb and resource, by status, and the LIST/WATCH calls of pods or
// nodes that no selector narrows (a read of the whole cluster). Pure.

export interface ApiRequest {
  readonly id: string;
  readonly user: string;
  readonly verb: string;
  /** resource, or resource/subresource (pods/eviction, onloads/status). */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** HTTP status of the answer (a watch: when it ended). */
  readonly code?: number;
  /** When the API server received it (epoch ms). */
  readonly receivedAt: number;
  readonly uri: string;
  /** A labelSelector or fieldSelector narrows it. */
  readonly narrowed: boolean;
}

interface AuditEvent {
  readonly auditID?: string;
  readonly stage?: string;
  readonly verb?: string;
  readonly requestURI?: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: {
    readonly resource?: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
  };
  readonly responseStatus?: { readonly code?: number };
  readonly requestReceivedTimestamp?: string;
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

function selectorsIn(uri: string): boolean {
  const query = new URLSearchParams(uri.split('?')[1] ?? '');
  return ['labelSelector', 'fieldSelector'].some((k) => (query.get(k) ?? '').trim() !== '');
}

/** One record per request (audit ID); a watch logs two stages, the later one carries the status. */
export function parseAuditLog(text: string): ApiRequest[] {
  const byId = new Map<string, ApiRequest>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let e: AuditEvent;
    try {
      e = JSON.parse(line) as AuditEvent;
    } catch {
      throw new Error(`audit log line ${index + 1} is not JSON: ${line.slice(0, 120)}`);
    }
    if (!e.auditID || !e.verb || !e.requestReceivedTimestamp) continue;
    const ref = e.objectRef ?? {};
    const resource = ref.subresource
      ? `${ref.resource ?? ''}/${ref.subresource}`
      : (ref.resource ?? '');
    const uri = e.requestURI ?? '';
    const code = e.responseStatus?.code;
    const previous = byId.get(e.auditID);
    byId.set(e.auditID, {
      id: e.auditID,
      user: e.user?.username ?? '',
      verb: e.verb,
      resource,
      ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
      ...(ref.name !== undefined ? { name: ref.name } : {}),
      ...(code !== undefined
        ? { code }
        : previous?.code !== undefined
          ? { code: previous.code }
          : {}),
      receivedAt: Date.parse(e.requestReceivedTimestamp),
      uri,
      narrowed: selectorsIn(uri),
    });
  }
  return [...byId.values()].sort((a, b) => a.receivedAt - b.receivedAt);
}

/** A LIST or WATCH of pods or nodes over the whole cluster: no namespace, no selector. */
export function isClusterWideRead(r: ApiRequest): boolean {
  return (
    (r.verb === 'list' || r.verb === 'watch') &&
    (r.resource === 'pods' || r.resource === 'nodes') &&
    r.namespace === undefined &&
    !r.narrowed
  );
}

export interface RequestSummary {
  readonly total: number;
  /** "verb resource" → count, e.g. "patch nodes": 812. */
  readonly byKind: Readonly<Record<string, number>>;
  /** HTTP status → count (a watch cut at exit may have none: "none"). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** First node patch (epoch ms): the process's first node action. */
  readonly firstNodePatchAt?: number;
  /** Cluster-wide pod/node reads, and those of them made once nodes were being worked on. */
  readonly clusterWideReads: readonly ApiRequest[];
  readonly clusterWideReadsDuringNodeSteps: readonly ApiRequest[];
}

/** The requests of `user` received in [from, to]. */
export function summariseRequests(
  requests: readonly ApiRequest[],
  window: { readonly user: string; readonly from: number; readonly to: number },
): RequestSummary {
  const mine = requests.filter(
    (r) => r.user === window.user && r.receivedAt >= window.from && r.receivedAt <= window.to,
  );
  const byKind: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const r of mine) {
    const kind = `${r.verb} ${r.resource}`;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const status = r.code === undefined ? 'none' : String(r.code);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  const firstNodePatchAt = mine.find(
    (r) => r.verb === 'patch' && r.resource === 'nodes',
  )?.receivedAt;
  const clusterWideReads = mine.filter(isClusterWideRead);
  return {
    total: mine.length,
    byKind: sortedByCount(byKind),
    byStatus,
    ...(firstNodePatchAt !== undefined ? { firstNodePatchAt } : {}),
    clusterWideReads,
    clusterWideReadsDuringNodeSteps:
      firstNodePatchAt === undefined
        ? []
        : clusterWideReads.filter((r) => r.receivedAt >= firstNodePatchAt),
  };
}

function sortedByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb)),
  );
}
