// Renders the chart with pinned Helm 3 / Helm 4 (`helm template`) and parses the manifests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { chartDir, helm, type HelmMajor } from '../../../../ci/lib/helm.ts';
import { writeProcessTempFile } from '../../../../ci/lib/process-tmp.ts';
import type { Manifest } from './manifests.ts';

export const helmMajors: readonly HelmMajor[] = [3, 4];

/** The chart-testing variants, charts/onload/ci/<variant>-values.yaml. */
export const variants = [
  'minimal',
  'openshift-in-cluster-build',
  'pre-built-images',
  'sfc-off',
  'sfptpd-on',
  'machineconfig-on',
  'air-gapped-registry',
  'canary-policy',
  'secure-boot-private-registry',
  'multus-hugepages',
] as const;
export type Variant = (typeof variants)[number];

export const defaultRelease = 'onload';
export const defaultNamespace = 'onload-system';

export function variantFile(variant: Variant): string {
  return join(chartDir, 'ci', `${variant}-values.yaml`);
}

export async function variantValues(variant: Variant): Promise<Record<string, unknown>> {
  return parse(await readFile(variantFile(variant), 'utf8')) as Record<string, unknown>;
}

/** The chart's default values (charts/onload/values.yaml). */
export async function chartDefaults(): Promise<Record<string, unknown>> {
  return parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

/** The node selector a variant ends up with: Helm merges it into the default map; null drops a key. */
export async function effectiveSelector(variant: Variant): Promise<Record<string, string>> {
  const merged: Record<string, string | null> = {
    ...((await chartDefaults()).selector as Record<string, string>),
    ...((await variantValues(variant)).selector as Record<string, string | null> | undefined),
  };
  return Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null),
  );
}

export interface RenderRequest {
  readonly variant: Variant;
  readonly helmMajor?: HelmMajor;
  readonly release?: string;
  readonly namespace?: string;
  /** Values layered over the variant's file (as another -f file). */
  readonly overrides?: Record<string, unknown>;
  readonly extraArgs?: readonly string[];
  /** Chart directory to render (default: charts/onload), e.g. one from lookup-stub.ts. */
  readonly chart?: string;
}

async function helmTemplateArgs(request: RenderRequest): Promise<string[]> {
  const args = [
    'template',
    request.release ?? defaultRelease,
    request.chart ?? chartDir,
    '--namespace',
    request.namespace ?? defaultNamespace,
    '--values',
    variantFile(request.variant),
  ];
  if (request.overrides) {
    // YAML 1.1 quoting, so that strings such as 'no' stay strings for Helm.
    const file = await writeProcessTempFile(
      'overrides.yaml',
      stringify(request.overrides, { version: '1.1' }),
    );
    args.push('--values', file);
  }
  return [...args, ...(request.extraArgs ?? [])];
}

/** Parses a multi-document rendering; YAML 1.1 reads y/on/no as booleans, as Helm 3's decoder does. */
export function parseManifests(text: string, version: '1.1' | '1.2' = '1.2'): Manifest[] {
  return parseAllDocuments(text, { version })
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message ?? ''}`);
      return doc.toJS() as unknown;
    })
    .filter((obj): obj is Manifest => obj !== null && typeof obj === 'object');
}

/** The rendered manifests as Helm prints them. */
export async function renderText(request: RenderRequest): Promise<string> {
  return (await helm(request.helmMajor ?? 3, await helmTemplateArgs(request))).stdout;
}

const cache = new Map<string, Promise<Manifest[]>>();

/** Renders and parses; identical requests share one helm run. */
export function render(request: RenderRequest): Promise<Manifest[]> {
  const key = JSON.stringify(request);
  let result = cache.get(key);
  if (!result) {
    result = renderText(request).then(parseManifests);
    cache.set(key, result);
  }
  return result;
}

/** Renders expecting Helm to refuse; returns its error output. */
export async function renderError(request: RenderRequest): Promise<string> {
  const out = await helm(request.helmMajor ?? 3, await helmTemplateArgs(request), {
    allowFailure: true,
  });
  if (out.code === 0)
    throw new Error(`expected helm template to fail for ${JSON.stringify(request)}`);
  return out.stderr;
}
