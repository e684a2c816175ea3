// What cluster tests (`*.cluster.test.ts`) use: the test bed started by the jest global setup.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helm as runHelm, type HelmMajor } from '../lib/helm.ts';
import { run, type RunOptions, type RunResult } from '../lib/process.ts';
import { binaryPath } from '../tools/build.ts';
import {
  driverReportsAnnotation,
  kmmLoadFaultAnnotation,
  kmmUnloadFaultAnnotation,
  kmmVersionAnnotation,
  userlandReportsAnnotation,
} from './agents/faults.ts';
import { uninstallGuard } from '../../hooks/src/contract.ts';
import { podLogPath } from './agents/runner/logs.ts';
import type { ClusterState } from './cluster.ts';
import { untilEstablished } from './crds.ts';
import type { KmmInfo } from './kmm-manager.ts';

export const stateEnv = 'ONLOAD_TESTBED_STATE';
/** The `kmm-manager` jest project's bed (real KMM manager); copied to stateEnv per test file. */
export const kmmManagerStateEnv = 'ONLOAD_TESTBED_STATE_KMM_MANAGER';

let cached: ClusterState | undefined;

export function testbed(): ClusterState {
  if (cached) return cached;
  const dir = process.env[stateEnv];
  if (!dir)
    throw new Error(`${stateEnv} is not set: run cluster tests through the jest "cluster" project`);
  cached = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState;
  return cached;
}

export function kubectl(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(
    binaryPath('kubernetes', 'kubectl'),
    ['--kubeconfig', testbed().kubeconfig, ...args],
    options,
  );
}

/** kubectl with `-o json`, parsed. */
export async function kubectlJson<T = Record<string, unknown>>(
  args: readonly string[],
): Promise<T> {
  const { stdout } = await kubectl([...args, '-o', 'json']);
  return JSON.parse(stdout) as T;
}

export function helm(
  major: HelmMajor,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return runHelm(major, ['--kubeconfig', testbed().kubeconfig, ...args], options);
}

/** Creates a namespace with a unique name for one test and returns the name. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  return name;
}

/**
 * Removes the finalizer of every uninstall guard (charts/onload/templates/uninstall-guard.yaml) in
 * `namespace`, as a user must before `helm uninstall --no-hooks` or deleting the namespace: only
 * the pre-delete hook removes it otherwise.
 */
export async function releaseUninstallGuards(namespace: string): Promise<void> {
  const list = await kubectl(['get', 'configmaps', '-n', namespace, '-o', 'json'], {
    allowFailure: true,
  });
  if (list.code !== 0) return;
  const { items } = JSON.parse(list.stdout) as {
    items: { metadata: { name: string; finalizers?: string[] } }[];
  };
  for (const cm of items) {
    const index = (cm.metadata.finalizers ?? []).indexOf(uninstallGuard.finalizer);
    if (index < 0) continue;
    await kubectl([
      'patch',
      'configmap',
      cm.metadata.name,
      '-n',
      namespace,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'remove', path: `/metadata/finalizers/${index}` }]),
    ]);
  }
}

export async function deleteNamespace(name: string): Promise<void> {
  await releaseUninstallGuards(name);
  await kubectl([
    'delete',
    'namespace',
    name,
    '--wait=true',
    '--timeout=120s',
    '--ignore-not-found',
  ]);
}

/** Output of a pod the agents run (our hook/labeller pods) or gate (device plugin init step). */
export function podLogs(namespace: string, pod: string): string {
  const file = podLogPath(testbed().stateDir, namespace, pod);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function annotateNode(node: string, key: string, value: string | undefined): Promise<void> {
  await kubectl([
    'annotate',
    'node',
    node,
    '--overwrite',
    value === undefined ? `${key}-` : `${key}=${value}`,
  ]);
}

/**
 * Makes the KMM stand-in's Load or Unload worker pods on `node` fail (crash-loop with a modprobe
 * error) or hang (stay Running); "fail:onload" limits it to one module; undefined clears it.
 */
export function setKmmFault(
  node: string,
  action: 'load' | 'unload',
  fault: string | undefined,
): Promise<void> {
  const key = action === 'load' ? kmmLoadFaultAnnotation : kmmUnloadFaultAnnotation;
  return annotateNode(node, key, fault);
}

/** Makes the KMM stand-in behave as another KMM version on `node` (e.g. "2.4"); undefined resets. */
export function setKmmVersion(node: string, version: string | undefined): Promise<void> {
  return annotateNode(node, kmmVersionAnnotation, version);
}

/**
 * What the kubelet stand-in takes the loaded onload driver of each Module version (`driver`) and
 * the userland of each onload.version (`userland`; null: it cannot tell) on `node` to report,
 * instead of the version itself; undefined resets.
 */
export async function setReportedVersions(
  node: string,
  reports: {
    readonly driver?: Readonly<Record<string, string>>;
    readonly userland?: Readonly<Record<string, string | null>>;
  },
): Promise<void> {
  const json = (map: object | undefined) => (map === undefined ? undefined : JSON.stringify(map));
  await annotateNode(node, driverReportsAnnotation, json(reports.driver));
  await annotateNode(node, userlandReportsAnnotation, json(reports.userland));
}

/** Which KMM drives Modules on this bed: the stand-in (default) or a real manager, and its version. */
export function kmmUnderTest(): KmmInfo {
  return testbed().kmm ?? { mode: 'stand-in', version: '2.5' };
}

/** "KMM 2.2 manager" / "KMM stand-in as 2.5": for test names. */
export function kmmLabel(kmm: KmmInfo = kmmUnderTest()): string {
  return kmm.mode === 'manager' ? `KMM ${kmm.version} manager` : `KMM stand-in as ${kmm.version}`;
}

/** Waits until the CRDs `targets` name (`-f <file>`, `crd/<name>`) are established. */
export function waitCrdsEstablished(...targets: string[]): Promise<void> {
  return untilEstablished((args) => kubectl(args, { allowFailure: true }), targets);
}
