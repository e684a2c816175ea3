// Test fixtures: objects shaped as the API server returns them.
import { gzipSync } from 'node:zlib';

/** A release Secret as the API server returns it: data.release = base64(base64(gzip(JSON))). */
export function helmSecret(
  release: string,
  revision: number,
  fields: { status?: string; chart?: string; config?: unknown; gzip?: boolean } = {},
) {
  const json = JSON.stringify({
    name: release,
    namespace: 'onload',
    version: revision,
    info: {
      status: fields.status ?? 'deployed',
      description: revision === 1 ? 'Install complete' : 'Upgrade complete',
      first_deployed: '2025-01-01T10:00:00Z',
      last_deployed: `2025-01-0${revision}T10:00:00Z`,
    },
    chart: {
      metadata: { name: fields.chart ?? 'onload', version: '0.1.0', appVersion: '9.0.1' },
      values: { chartDefault: 'not user-supplied' },
    },
    config: fields.config ?? { onload: { version: `9.0.${revision}` } },
    manifest: 'apiVersion: v1\nkind: Secret\ndata: {pullSecret: c2VjcmV0}\n',
  });
  const packed = fields.gzip === false ? Buffer.from(json) : gzipSync(json);
  const helmEncoded = packed.toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${release}.v${revision}`,
      namespace: 'onload',
      labels: {
        owner: 'helm',
        name: release,
        version: String(revision),
        status: fields.status ?? 'deployed',
      },
    },
    data: { release: Buffer.from(helmEncoded).toString('base64') },
  };
}

export function meta(name: string, namespace?: string, labels: Record<string, string> = {}) {
  return { metadata: { name, ...(namespace ? { namespace } : {}), labels } };
}

export function node(name: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    ...meta(name, undefined, labels),
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A pod with init and main containers; `restarts` per container name. */
export function pod(
  name: string,
  namespace: string,
  containers: { init?: string[]; main: string[] },
  restarts: Record<string, number> = {},
  labels: Record<string, string> = {},
) {
  const status = (c: string) => ({ name: c, restartCount: restarts[c] ?? 0 });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...meta(name, namespace, labels),
    spec: {
      initContainers: (containers.init ?? []).map((c) => ({ name: c, image: `${c}:1` })),
      containers: containers.main.map((c) => ({ name: c, image: `${c}:1` })),
    },
    status: {
      initContainerStatuses: (containers.init ?? []).map(status),
      containerStatuses: containers.main.map(status),
    },
  };
}

export function event(name: string, namespace: string, kind: string, about: string, at: string) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    ...meta(name, namespace),
    involvedObject: { kind, name: about },
    reason: 'Test',
    message: `${kind} ${about} at ${at}`,
    lastTimestamp: at,
  };
}
