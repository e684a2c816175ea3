// Drives the chart the way users do: helm install/upgrade/rollback/uninstall with Helm 3 or 4,
// against the test bed started by the jest global setup (or the demo).
import { chartDir, helm, type HelmMajor } from '../lib/helm.ts';
import type { RunResult } from '../lib/process.ts';
import { writeValuesFile, type Values } from './values.ts';

export interface Release {
  readonly name: string;
  readonly namespace: string;
  readonly helm: HelmMajor;
  readonly kubeconfig: string;
}

export interface HelmOutcome extends RunResult {
  readonly seconds: number;
}

/** The rollout can take minutes per node; Helm's default 5m --timeout is documented as too short. */
const timeout = ['--timeout', '20m'];

/**
 * Helm 4's --wait stops its watches when the release is ready; client-go then logs (klog, on
 * stderr) that a watch ended with "context canceled". That notice is not a complaint about the
 * release: every other stderr line is returned.
 */
export function helmComplaints(stderr: string): string[] {
  const watchStopped =
    /^[IW]\d{4} [\d:.]+ +\d+ reflector\.go:\d+\] .*watch ended with error.*context canceled/;
  return stderr.split('\n').filter((line) => line.trim() !== '' && !watchStopped.test(line));
}

async function timed(release: Release, args: readonly string[]): Promise<HelmOutcome> {
  const started = Date.now();
  const result = await helm(release.helm, ['--kubeconfig', release.kubeconfig, ...args], {
    allowFailure: true,
  });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

/**
 * `helm upgrade --install` with these values. Helm 4 server-side applies `crds/` and conflicts with
 * a CRD another manager created, so it skips the CRD when one exists (documented in the README).
 */
export async function upgradeInstall(
  release: Release,
  values: Values,
  extra: readonly string[] = [],
): Promise<HelmOutcome> {
  const file = await writeValuesFile(values);
  return timed(release, [
    'upgrade',
    '--install',
    release.name,
    chartDir,
    '--namespace',
    release.namespace,
    '--create-namespace',
    '--values',
    file,
    ...timeout,
    ...extra,
  ]);
}

export function rollback(
  release: Release,
  revision: number,
  extra: readonly string[] = [],
): Promise<HelmOutcome> {
  return timed(release, [
    'rollback',
    release.name,
    String(revision),
    '--namespace',
    release.namespace,
    ...timeout,
    ...extra,
  ]);
}

export function uninstall(release: Release, extra: readonly string[] = []): Promise<HelmOutcome> {
  return timed(release, [
    'uninstall',
    release.name,
    '--namespace',
    release.namespace,
    '--wait',
    ...timeout,
    ...extra,
  ]);
}

/** `helm test --logs`: runs the release's test pod and prints its log. */
export function helmTest(release: Release): Promise<HelmOutcome> {
  return timed(release, [
    'test',
    release.name,
    '--namespace',
    release.namespace,
    '--logs',
    ...timeout,
  ]);
}

export interface Revision {
  readonly revision: number;
  readonly status: string;
}

/** `helm history`: the release's revisions, oldest first. */
export async function history(release: Release): Promise<Revision[]> {
  const result = await timed(release, [
    'history',
    release.name,
    '--namespace',
    release.namespace,
    '-o',
    'json',
  ]);
  if (result.code !== 0) throw new Error(`helm history failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Revision[];
}
