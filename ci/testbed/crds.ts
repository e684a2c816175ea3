// Third-party CRDs the chart's objects need, taken from pinned Go modules; hand-written only for
// a kind no module the Go module proxy serves here defines, each stand-in saying what it stands for.
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { run, type RunResult } from '../lib/process.ts';
import { binaryPath, sourceModuleDir, toolsCacheDir } from '../tools/build.ts';

export const kmmCrdFiles = [
  'kmm.sigs.x-k8s.io_modules.yaml',
  'kmm.sigs.x-k8s.io_nodemodulesconfigs.yaml',
  'kmm.sigs.x-k8s.io_preflightvalidations.yaml',
  'kmm.sigs.x-k8s.io_preflightvalidationsocp.yaml',
];

/** Opt-in: a folder whose *.yaml files are the KMM CRDs to serve (e.g. a newer KMM's). */
export const kmmCrdsEnv = 'ONLOAD_KMM_CRDS';

/**
 * Which KMM API a bed serves: `pinned` is the release-2.2 module's CRDs, as the real manager built
 * from it needs; `newest` (beds whose KMM is the stand-in) adds what newer KMM serves and the
 * stand-in models: Module `tolerations` (KMM >= 2.3) and ModuleImagesConfig (KMM >= 2.4).
 */
export type KmmApi = 'pinned' | 'newest';

/** The KMM CRD files the bed serves: the folder in ONLOAD_KMM_CRDS, else the pinned module's. */
export async function kmmCrdPaths(
  env: NodeJS.ProcessEnv = process.env,
  api: KmmApi = 'pinned',
): Promise<string[]> {
  const dir = env[kmmCrdsEnv];
  if (dir) {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    if (files.length === 0) throw new Error(`${kmmCrdsEnv}=${dir}: no .yaml files in it`);
    return files.map((f) => join(dir, f));
  }
  const kmm = await sourceModuleDir('kmm');
  const pinned = kmmCrdFiles.map((f) => join(kmm, 'config/crd/bases', f));
  if (api === 'pinned') return pinned;
  const [modules = '', ...others] = pinned;
  const newestDir = join(toolsCacheDir(), 'kmm-newest-api');
  await mkdir(newestDir, { recursive: true });
  const withTolerations = join(newestDir, 'modules-with-tolerations.yaml');
  const crd = parse(await readFile(modules, 'utf8')) as ModuleCrd;
  await writeFile(withTolerations, stringify(withModuleTolerations(crd)));
  return [
    withTolerations,
    ...others,
    join(import.meta.dirname, 'crds', 'kmm-moduleimagesconfigs.yaml'),
  ];
}

/** The parts of a Module CRD the newest API changes. */
export interface ModuleCrd {
  readonly spec: {
    readonly versions: readonly {
      readonly schema: {
        readonly openAPIV3Schema: {
          readonly properties: { readonly spec: { readonly properties: object } };
        };
      };
    }[];
  };
}

/** KMM >= 2.3's Module `spec.tolerations` (core/v1 Tolerations), added to the 2.2 Module CRD. */
export function withModuleTolerations<T extends ModuleCrd>(crd: T): T {
  const tolerations = {
    type: 'array',
    description: 'Tolerations of the worker pods (KMM >= 2.3; added by the test bed).',
    items: {
      type: 'object',
      properties: {
        effect: { type: 'string' },
        key: { type: 'string' },
        operator: { type: 'string' },
        tolerationSeconds: { type: 'integer', format: 'int64' },
        value: { type: 'string' },
      },
    },
  };
  return {
    ...crd,
    spec: {
      ...crd.spec,
      versions: crd.spec.versions.map((v) => ({
        ...v,
        schema: {
          ...v.schema,
          openAPIV3Schema: {
            ...v.schema.openAPIV3Schema,
            properties: {
              ...v.schema.openAPIV3Schema.properties,
              spec: {
                ...v.schema.openAPIV3Schema.properties.spec,
                properties: { ...v.schema.openAPIV3Schema.properties.spec.properties, tolerations },
              },
            },
          },
        },
      })),
    },
  };
}

export async function thirdPartyCrdPaths(kmmApi: KmmApi): Promise<string[]> {
  const openshift = await sourceModuleDir('openshiftApi');
  return [
    ...(await kmmCrdPaths(process.env, kmmApi)),
    join(
      openshift,
      'machineconfiguration/v1/zz_generated.crd-manifests/0000_80_machine-config_01_machineconfigs.crd.yaml',
    ),
    join(import.meta.dirname, 'crds', 'network-attachment-definitions.yaml'),
    join(await sourceModuleDir('nfd'), 'deployment/base/nfd-crds/nfd-api-crds.yaml'),
  ];
}

/** Installs CRD files (server-side apply: some are too large for client-side apply) and waits until established. */
export async function installCrds(kubeconfig: string, files: readonly string[]): Promise<void> {
  const kubectl = binaryPath('kubernetes', 'kubectl');
  const args = ['--kubeconfig', kubeconfig];
  await run(kubectl, [
    ...args,
    'apply',
    '--server-side',
    '--force-conflicts',
    ...files.flatMap((f) => ['-f', f]),
  ]);
  await untilEstablished(
    (wait) => run(kubectl, [...args, ...wait], { allowFailure: true }),
    [...files.flatMap((f) => ['-f', f])],
  );
}

/**
 * `kubectl wait --for=condition=Established` on `targets`, asked again while the API server has
 * not written a CRD's first condition yet (kubectl then fails with "accessor error: <nil>"
 * instead of waiting).
 */
export async function untilEstablished(
  kubectl: (args: readonly string[]) => Promise<RunResult>,
  targets: readonly string[],
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const waited = await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...targets,
    ]);
    if (waited.code === 0) return;
    if (!waited.stderr.includes('accessor error') || Date.now() > deadline)
      throw new Error(`CRDs not established: ${waited.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
