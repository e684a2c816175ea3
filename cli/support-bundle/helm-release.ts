// Helm 3/4 release records: Secrets `sh.helm.release.v1.<release>.v<revision>` (labels owner=helm,
// name=<release>) whose data.release is base64 (the Secret's encoding) of base64 of gzip of the
// release JSON. Pure: decoding and the summary written per revision, values redacted.
import { gunzipSync } from 'node:zlib';
import { redactValues } from './redact.ts';
import type { KubeObject } from './source.ts';

export const helmSecretLabels = 'owner=helm';

interface ReleaseJson {
  readonly name?: string;
  readonly namespace?: string;
  readonly version?: number;
  readonly info?: {
    readonly status?: string;
    readonly description?: string;
    readonly first_deployed?: string;
    readonly last_deployed?: string;
    readonly deleted?: string;
  };
  readonly chart?: {
    readonly metadata?: {
      readonly name?: string;
      readonly version?: string;
      readonly appVersion?: string;
    };
  };
  readonly config?: Readonly<Record<string, unknown>> | null;
}

export interface HelmRevision {
  readonly release: string;
  readonly namespace: string;
  readonly revision: number;
  readonly status: string;
  readonly chart: string;
  readonly chartVersion: string;
  readonly appVersion: string;
  readonly firstDeployed: string;
  readonly lastDeployed: string;
  readonly deleted?: string;
  readonly description: string;
  /** The user-supplied values (`helm get values`), redacted. */
  readonly values: unknown;
}

export class HelmDecodeError extends Error {}

/** The release JSON from a Secret's data.release (as the API returns it: base64). */
export function decodeReleaseData(secretData: string): unknown {
  const helmEncoded = Buffer.from(secretData, 'base64').toString('latin1');
  const packed = Buffer.from(helmEncoded, 'base64');
  if (packed.length === 0) throw new HelmDecodeError('data.release is empty');
  const gzipped = packed[0] === 0x1f && packed[1] === 0x8b;
  let text: string;
  try {
    text = (gzipped ? gunzipSync(packed) : packed).toString('utf8');
  } catch (e) {
    throw new HelmDecodeError(`data.release is not gzip: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HelmDecodeError(`data.release is not a JSON release: ${(e as Error).message}`);
  }
}

/** One revision's summary from its Secret; labels fill in what the JSON lacks. */
export function helmRevision(secret: KubeObject): HelmRevision {
  const metadata = (secret.metadata ?? {}) as {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  const data = (secret.data ?? {}) as Record<string, string | undefined>;
  if (data.release === undefined)
    throw new HelmDecodeError(`secret ${metadata.name ?? '?'} has no data.release`);
  const r = decodeReleaseData(data.release) as ReleaseJson;
  const labels = metadata.labels ?? {};
  const chart = r.chart?.metadata ?? {};
  return {
    release: r.name ?? labels.name ?? '',
    namespace: r.namespace ?? metadata.namespace ?? '',
    revision: r.version ?? Number(labels.version ?? 0),
    status: r.info?.status ?? labels.status ?? '',
    chart: chart.name ?? '',
    chartVersion: chart.version ?? '',
    appVersion: chart.appVersion ?? '',
    firstDeployed: r.info?.first_deployed ?? '',
    lastDeployed: r.info?.last_deployed ?? '',
    ...(r.info?.deleted ? { deleted: r.info.deleted } : {}),
    description: r.info?.description ?? '',
    values: redactValues(r.config ?? {}),
  };
}
