// The bundle's index: every file written and every item it could not get, with why. Pure: the
// failure classification, index.json and README.txt.
import { isAbort } from '../../hooks/src/kube/errors.ts';
import { SourceError } from './source.ts';

/** What a collection item asked the API server for, to name the RBAC rule it lacks. */
export interface Access {
  readonly verb: 'get' | 'list';
  /** As RBAC rules name it: `pods`, `pods/log`, `modules.kmm.sigs.x-k8s.io`. */
  readonly resource: string;
  /** Undefined: cluster-scoped, or all namespaces. */
  readonly namespace?: string;
}

export type FailureReason =
  'forbidden' | 'not-served' | 'not-found' | 'unavailable' | 'timeout' | 'failed';

export interface BundleFailure {
  /** What was being collected, e.g. `list modules.kmm.sigs.x-k8s.io in onload`. */
  readonly item: string;
  readonly reason: FailureReason;
  /** For people: what is missing and, for `forbidden`, the RBAC rule that would allow it. */
  readonly detail: string;
}

export interface BundleFileRecord {
  readonly path: string;
  readonly bytes: number;
  /** The item it came from. */
  readonly item: string;
  readonly note?: string;
}

export interface BundleIndex {
  readonly format: 1;
  readonly createdAt: string;
  readonly namespace: string;
  readonly serverVersion?: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly files: readonly BundleFileRecord[];
  readonly failures: readonly BundleFailure[];
}

export function where(access: Access): string {
  return access.namespace === undefined ? 'cluster-wide' : `in namespace ${access.namespace}`;
}

export function describeAccess(access: Access): string {
  return `${access.verb} ${access.resource} ${where(access)}`;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof SourceError ? error.status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why an item failed, from the error and what it asked for. */
export function classify(
  item: string,
  error: unknown,
  access: Access | undefined,
  timedOutAfterMs?: number,
): BundleFailure {
  if (timedOutAfterMs !== undefined || isAbort(error))
    return { item, reason: 'timeout', detail: `no answer within ${timedOutAfterMs ?? '?'} ms` };
  const status = statusOf(error);
  const message = messageOf(error);
  if (status === 403)
    return {
      item,
      reason: 'forbidden',
      detail: access
        ? `forbidden: needs RBAC verb "${access.verb}" on "${access.resource}" ${where(access)} (${message})`
        : `forbidden (${message})`,
    };
  if (status === 404 && access?.verb === 'list')
    return {
      item,
      reason: 'not-served',
      detail: `not served by this API server (CRD not installed or too old): ${access.resource}`,
    };
  if (status === 404) return { item, reason: 'not-found', detail: message };
  if (status === 400) return { item, reason: 'unavailable', detail: message };
  return {
    item,
    reason: 'failed',
    detail: status === undefined ? message : `HTTP ${status}: ${message}`,
  };
}

export function buildIndex(
  fields: Omit<BundleIndex, 'format' | 'files' | 'failures'>,
  files: readonly BundleFileRecord[],
  failures: readonly BundleFailure[],
): BundleIndex {
  return {
    format: 1,
    ...fields,
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    failures: [...failures].sort((a, b) =>
      a.item < b.item ? -1 : a.item > b.item ? 1 : a.detail < b.detail ? -1 : 1,
    ),
  };
}

export function renderReadme(index: BundleIndex): string {
  const lines = [
    'Onload support bundle',
    '',
    `namespace:      ${index.namespace}`,
    `created:        ${index.createdAt}`,
    `Kubernetes:     ${index.serverVersion ?? 'unknown'}`,
    `files:          ${index.files.length}`,
    `not collected:  ${index.failures.length}`,
    '',
    'Secret objects are never included. Helm values under keys that look secret and every PEM',
    'block are replaced by REDACTED. index.json holds the same information as this file.',
    '',
  ];
  if (index.failures.length > 0) {
    lines.push('Not collected (item: reason, detail)', '');
    for (const f of index.failures) lines.push(`  ${f.item}`, `    ${f.reason}: ${f.detail}`);
    lines.push('');
  }
  lines.push('Files (bytes, path)', '');
  const width = Math.max(0, ...index.files.map((f) => String(f.bytes).length));
  for (const f of index.files)
    lines.push(`  ${String(f.bytes).padStart(width)}  ${f.path}${f.note ? `  (${f.note})` : ''}`);
  lines.push('', 'Settings', '');
  for (const [key, value] of Object.entries(index.settings))
    lines.push(`  ${key}: ${JSON.stringify(value)}`);
  return `${lines.join('\n')}\n`;
}
