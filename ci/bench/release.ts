// The chart on the bench's test bed, installed with --no-hooks so the bench runs each hook phase
// (and the labeller) itself on the host, as the chart would: the environment rendered from the
// chart's Job / Deployment and a TokenRequest token of the component's own ServiceAccount, with the
// chart's RBAC applied.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { EntryPoint } from '../../hooks/src/contract.ts';
import { onloadValues, type Values } from '../e2e/values.ts';
import { chartDir, helm, repoRoot } from '../lib/helm.ts';
import { run, type RunResult } from '../lib/process.ts';
import { binaryPath } from '../tools/build.ts';

export const releaseName = 'onload';
export const releaseNamespace = 'onload';
export const hooksAccount = `${releaseName}-hooks`;
export const labellerAccount = `${releaseName}-labeller`;
/** The hook Jobs' deadline for the bench: long enough for 1000 nodes one at a time. */
const hookTimeoutSeconds = 8 * 3600;
const rbacKinds = ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
}

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
      upgrade: { maxParallelUpgrades: concurrency, maxUnavailable: '100%' },
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

  private async template(valuesFile: string, showOnly: string): Promise<Manifest[]> {
    const { stdout } = await helm(3, [
      'template',
      releaseName,
      chartDir,
      '--namespace',
      releaseNamespace,
      '-f',
      valuesFile,
      '--show-only',
      showOnly,
    ]);
    return parseAllDocuments(stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  }

  /** Applies the ServiceAccount and RBAC objects a template renders. */
  async applyRbac(valuesFile: string, showOnly: string): Promise<void> {
    const docs = (await this.template(valuesFile, showOnly)).filter((d) =>
      rbacKinds.includes(d.kind ?? ''),
    );
    if (docs.length === 0) throw new Error(`${showOnly} renders no ServiceAccount or RBAC`);
    await this.kubectl(['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  }

  /** A kubeconfig with a fresh TokenRequest token of `account` in the release namespace. */
  async tokenKubeconfig(account: string): Promise<string> {
    const token = await this.kubectl([
      'create',
      'token',
      account,
      '-n',
      releaseNamespace,
      '--duration=12h',
    ]);
    const file = join(this.dir, `${account}.kubeconfig`);
    await writeFile(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'bench', cluster: { server: this.server, 'certificate-authority': this.caCert } },
        ],
        users: [{ name: account, user: { token: token.stdout.trim() } }],
        contexts: [
          {
            name: account,
            context: { cluster: 'bench', user: account, namespace: releaseNamespace },
          },
        ],
        'current-context': account,
      }),
    );
    return file;
  }

  /** The environment the chart gives the container of `kind` `name` (plus the namespace fieldRef). */
  async containerEnv(
    valuesFile: string,
    showOnly: string,
    kind: string,
    name: string,
  ): Promise<Record<string, string>> {
    const doc = (await this.template(valuesFile, showOnly)).find(
      (d) => d.kind === kind && d.metadata?.name === name,
    );
    const env = doc?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    if (env.length === 0)
      throw new Error(`the chart renders no ${kind} ${name} with an environment`);
    return {
      ...Object.fromEntries(
        env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']),
      ),
      ONLOAD_NAMESPACE: releaseNamespace,
    };
  }

  /** What a hook phase runs with: the Job's environment and the hooks ServiceAccount's token. */
  async phaseEnv(entry: EntryPoint, valuesFile: string): Promise<Record<string, string>> {
    const env = await this.containerEnv(
      valuesFile,
      'templates/hooks-jobs.yaml',
      'Job',
      `${releaseName}-${entry}`,
    );
    return { ...env, KUBECONFIG: await this.tokenKubeconfig(hooksAccount) };
  }

  async labellerEnv(valuesFile: string): Promise<Record<string, string>> {
    const env = await this.containerEnv(
      valuesFile,
      'templates/labeller.yaml',
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
