// Third-party CRDs the chart's objects need, taken from pinned Go modules; hand-written only for
// a kind no module the Go module proxy serves here defines, each stand-in saying what it stands for.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/process.ts';
import { binaryPath, sourceModuleDir } from '../tools/build.ts';

export const kmmCrdFiles = [
  'kmm.sigs.x-k8s.io_modules.yaml',
  'kmm.sigs.x-k8s.io_nodemodulesconfigs.yaml',
  'kmm.sigs.x-k8s.io_preflightvalidations.yaml',
  'kmm.sigs.x-k8s.io_preflightvalidationsocp.yaml',
];

/** Opt-in: a folder whose *.yaml files are the KMM CRDs to serve (e.g. a newer KMM's). */
export const kmmCrdsEnv = 'ONLOAD_KMM_CRDS';

/** The KMM CRD files the bed serves: the folder in ONLOAD_KMM_CRDS, else the pinned module's. */
export async function kmmCrdPaths(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const dir = env[kmmCrdsEnv];
  if (dir) {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    if (files.length === 0) throw new Error(`${kmmCrdsEnv}=${dir}: no .yaml files in it`);
    return files.map((f) => join(dir, f));
  }
  const kmm = await sourceModuleDir('kmm');
  return kmmCrdFiles.map((f) => join(kmm, 'config/crd/bases', f));
}

export async function thirdPartyCrdPaths(): Promise<string[]> {
  const openshift = await sourceModuleDir('openshiftApi');
  return [
    ...(await kmmCrdPaths()),
    join(
      openshift,
      'machineconfiguration/v1/zz_generated.crd-manifests/0000_80_machine-config_01_machineconfigs.crd.yaml',
    ),
    join(import.meta.dirname, 'crds', 'network-attachment-definitions.yaml'),
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
  await run(kubectl, [
    ...args,
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...files.flatMap((f) => ['-f', f]),
  ]);
}
