// The chart on the bench's test bed, installed with --no-hooks so the bench runs each hook phase
// (and the labeller) itself on the host, as the chart would: the environment rendered from the
// chart's Job / Deployment and a TokenRequest token of the component's own ServiceAccount, with the
// chart's RBAC applied.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { EntryPoint } from '../../hooks/src/contract.ts';
import { onloadValues, type Values } from '../e2e/values.ts';
import { chartDir, helm, repoRoot } from '../lib/helm.ts';
import {
  containerEnv,
  renderedRbac,
  writeTokenKubeconfig,
  type ChartRendering,
} from '../lib/host-component.ts';
import { run, type RunResult } from '../lib/process.ts';
import { binaryPath } from '../tools/build.ts';

export const releaseName = 'onload';
export const releaseNamespace = 'onload';
export const hooksAccount = `${releaseName}-hooks`;
export const labellerAccount = `${releaseName}-labeller`;
/** The hook Jobs' deadline for the bench: long enough for 1000 nodes one at a time. */
const hookTimeoutSeconds = 8 * 3600;

export function bundlePath(entry: EntryPoint): string {
  return join(repoRoot, 'dist', 'hooks', `${entry}.mjs`);
}

export class BenchRelease {
  readonly kubeconfig: string;
  readonly server: string;
  readonly caCert: string;
  private readonly dir: string;

  constructor(bed: { kubeconfig: string; server: string; caCert: string }, dir: string) {
    this.kubeconfig = bed.kubeconfig;
    this.server = bed.server;
    this.caCert = bed.caCert;
    this.dir = dir;
  }

  kubectl(args: readonly string[], input?: string): Promise<RunResult> {
    return run(binaryPath('kubernetes', 'kubectl'), ['--kubeconfig', this.kubeconfig, ...args], {
      ...(input !== undefined ? { input } : {}),
    });
  }

  /** Values for Onload `version`, rolled out `concurrency` nodes at a time. */
  values(version: string, concurrency: number, extra: Values = {}): Values {
    return onloadValues(version, {
      // The install is the bed's set-up, not measured: at 1000 nodes the KMM stand-in's
      // rate-limited requeue loads every node in more than the default 900 s.
      upgrade: {
        maxParallelUpgrades: concurrency,
        maxUnavailable: '100%',
        timeouts: { installSeconds: 3600 },
      },
      hooks: { timeoutSeconds: hookTimeoutSeconds, logLevel: 'info' },
      labeller: { enabled: false },
      ...extra,
    });
  }

  async valuesFile(values: Values, name: string): Promise<string> {
    const file = join(this.dir, `values-${name}.yaml`);
    await writeFile(file, stringify(values));
    return file;
  }

  private rendering(valuesFile: string, showOnly: string): ChartRendering {
    return { release: releaseName, namespace: releaseNamespace, valuesFile, showOnly };
  }

  /** Applies the ServiceAccount and RBAC objects a template renders. */
  async applyRbac(valuesFile: string, showOnly: string, account: string): Promise<void> {
    await this.kubectl(
      ['apply', '-f', '-'],
      await renderedRbac(this.rendering(valuesFile, showOnly), account),
    );
  }

  /** A kubeconfig with a fresh TokenRequest token of `account` in the release namespace. */
  tokenKubeconfig(account: string): Promise<string> {
    return writeTokenKubeconfig({
      kubectl: (args) => this.kubectl(args),
      account,
      namespace: releaseNamespace,
      server: this.server,
      caCert: this.caCert,
      duration: '12h',
      file: join(this.dir, `${account}.kubeconfig`),
    });
  }

  /** What a hook phase runs with: the Job's environment and the hooks ServiceAccount's token. */
  async phaseEnv(entry: EntryPoint, valuesFile: string): Promise<Record<string, string>> {
    const env = await containerEnv(
      this.rendering(valuesFile, 'templates/hooks-jobs.yaml'),
      'Job',
      `${releaseName}-${entry}`,
    );
    return { ...env, KUBECONFIG: await this.tokenKubeconfig(hooksAccount) };
  }

  async labellerEnv(valuesFile: string): Promise<Record<string, string>> {
    const env = await containerEnv(
      this.rendering(valuesFile, 'templates/labeller.yaml'),
      'Deployment',
      `${releaseName}-labeller`,
    );
    return { ...env, KUBECONFIG: await this.tokenKubeconfig(labellerAccount) };
  }

  async helm(command: 'install' | 'upgrade', valuesFile: string): Promise<void> {
    await helm(3, [
      '--kubeconfig',
      this.kubeconfig,
      command,
      releaseName,
      chartDir,
      '--namespace',
      releaseNamespace,
      '--create-namespace',
      '--no-hooks',
      '--timeout',
      '10m',
      '-f',
      valuesFile,
    ]);
  }
}
