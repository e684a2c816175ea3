// A release of the chart on the test bed for hook cluster tests: its own namespace and fake
// nodes, the chart's RBAC, and each hook phase (and the labeller) run on the host the way the
// chart runs it — the environment rendered from the chart, a token of its own ServiceAccount.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chartDir, repoRoot } from '../../ci/lib/helm.ts';
import {
  containerEnv,
  renderedPod,
  renderedRbac,
  writeTokenKubeconfig,
  type ChartRendering,
} from '../../ci/lib/host-component.ts';
import { run, type RunResult } from '../../ci/lib/process.ts';
import { addNodes } from '../../ci/testbed/cluster.ts';
import { solarflareLabel } from '../../ci/testbed/nodes.ts';
import {
  createNamespace,
  deleteNamespace,
  helm,
  kubectl,
  kubectlJson,
  releaseUninstallGuards,
  testbed,
  waitCrdsEstablished,
} from '../../ci/testbed/session.ts';
import type { EntryPoint } from '../src/contract.ts';

export const releaseName = 'onload';
export const selectorKey = 'hooks-test.onload.amd.com/run';

export interface NodeMeta {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export class TestRelease {
  readonly namespace: string;
  readonly nodes: string[];
  private readonly dir: string;
  private readonly rbacFiles: string[] = [];
  private hooksKubeconfig = '';

  private constructor(namespace: string, nodes: string[], dir: string) {
    this.namespace = namespace;
    this.nodes = nodes;
    this.dir = dir;
  }

  /** A namespace, `nodes` fake nodes selected by this release only, the CRD and the hook RBAC. */
  static async create(prefix: string, nodes: number): Promise<TestRelease> {
    const namespace = await createNamespace(prefix);
    const release = new TestRelease(namespace, [], await mkdtemp(join(tmpdir(), 'hooks-release-')));
    await release.addNodes(nodes);
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(chartDir, 'crds')]);
    await waitCrdsEstablished('-f', join(chartDir, 'crds'));
    release.hooksKubeconfig = await release.serviceAccount(
      'templates/hooks-rbac.yaml',
      `${releaseName}-hooks`,
    );
    return release;
  }

  async addNodes(count: number): Promise<string[]> {
    const names = Array.from(
      { length: count },
      (_, i) => `${this.namespace}-n${this.nodes.length + i}`,
    );
    await addNodes(
      testbed().kubeconfig,
      names.map((name) => ({ name, solarflare: false, labels: { [selectorKey]: this.namespace } })),
    );
    this.nodes.push(...names);
    return names;
  }

  /** Chart values for `version` (written to a file). */
  async values(version: string, extra: Readonly<Record<string, unknown>> = {}): Promise<string> {
    const values = {
      onload: {
        version,
        userImage: `reg.example/onload-user:${version}`,
        kernelMappings: [
          {
            regexp: '.*',
            kernelModuleImage: `reg.example/onload-module:${version}-\${KERNEL_FULL_VERSION}`,
          },
        ],
      },
      // Helm merges maps: the default selector key must be nulled, not just left out.
      selector: { [solarflareLabel]: null, [selectorKey]: this.namespace },
      labeller: { enabled: false },
      ...extra,
    };
    const file = join(
      this.dir,
      `values-${version}-${String(Object.keys(extra).length)}-${Date.now()}.yaml`,
    );
    await writeFile(file, stringify(values));
    return file;
  }

  private rendering(valuesFile: string, showOnly: string): ChartRendering {
    return { release: releaseName, namespace: this.namespace, valuesFile, showOnly };
  }

  /** Applies the ServiceAccount and RBAC a template renders; a kubeconfig with a token of `account`. */
  async serviceAccount(
    showOnly: string,
    account: string,
    extra: Readonly<Record<string, unknown>> = {},
  ): Promise<string> {
    const file = join(this.dir, `rbac-${account}.yaml`);
    await writeFile(
      file,
      await renderedRbac(this.rendering(await this.values('v0', extra), showOnly), account),
    );
    await kubectl(['apply', '-f', file]);
    this.rbacFiles.push(file);
    const state = testbed();
    return writeTokenKubeconfig({
      kubectl: (args) => kubectl(args),
      account,
      namespace: this.namespace,
      server: state.server,
      caCert: state.caCert,
      duration: '3600s',
      file: join(this.dir, `${account}.kubeconfig`),
    });
  }

  async helm(
    command: 'install' | 'upgrade' | 'uninstall',
    valuesFile?: string,
  ): Promise<RunResult> {
    const args =
      command === 'uninstall'
        ? [
            'uninstall',
            releaseName,
            '--namespace',
            this.namespace,
            '--no-hooks',
            '--wait',
            '--timeout',
            '120s',
          ]
        : [
            command,
            releaseName,
            chartDir,
            '--namespace',
            this.namespace,
            '--no-hooks',
            '-f',
            valuesFile ?? '',
          ];
    // --no-hooks: the pre-delete hook, which releases the uninstall guard, does not run.
    if (command === 'uninstall') await releaseUninstallGuards(this.namespace);
    return helm(3, args);
  }

  /**
   * Runs a hook entry point on the host as the chart's Job would (its environment, a token of the
   * Job's ServiceAccount); resolves with its exit code.
   */
  async phase(entry: EntryPoint, valuesFile: string): Promise<RunResult> {
    const rendering = this.rendering(valuesFile, 'templates/hooks-jobs.yaml');
    const job = `${releaseName}-${entry}`;
    const { env, serviceAccountName: account } = await renderedPod(rendering, 'Job', job);
    if (account === undefined)
      throw new Error(`the chart renders Job ${job} without a ServiceAccount`);
    const kubeconfig =
      account === `${releaseName}-hooks`
        ? this.hooksKubeconfig
        : await this.serviceAccount('templates/hooks-rbac.yaml', account);
    return run(process.execPath, [entryScript(entry)], {
      allowFailure: true,
      env: { PATH: process.env.PATH ?? '', ...env, KUBECONFIG: kubeconfig },
    });
  }

  /** Starts the labeller on the host with the labeller Deployment's environment and ServiceAccount. */
  async startLabeller(version: string): Promise<Running> {
    // Rendered with the labeller on; the release itself keeps it off so only this one runs.
    const valuesFile = await this.values(version, { labeller: { enabled: true } });
    const kubeconfig = await this.serviceAccount(
      'templates/labeller.yaml',
      `${releaseName}-labeller`,
      {
        labeller: { enabled: true },
      },
    );
    const env = await containerEnv(
      this.rendering(valuesFile, 'templates/labeller.yaml'),
      'Deployment',
      `${releaseName}-labeller`,
    );
    return startProcess(entryScript('labeller'), { ...env, KUBECONFIG: kubeconfig });
  }

  /**
   * Starts a hook entry point as `phase` does, without waiting for it. `podName` stands for the
   * Job pod the run would be: a run killed and replaced by another is then recognisably gone
   * (no such pod), as in the cluster, so the next run takes its Lease over at once.
   */
  async startPhase(entry: EntryPoint, valuesFile: string, podName: string): Promise<Running> {
    const env = await containerEnv(
      this.rendering(valuesFile, 'templates/hooks-jobs.yaml'),
      'Job',
      `${releaseName}-${entry}`,
    );
    return startProcess(entryScript(entry), {
      ...env,
      POD_NAME: podName,
      KUBECONFIG: this.hooksKubeconfig,
    });
  }

  async node(name: string): Promise<NodeMeta> {
    const n = await kubectlJson<{
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
    }>(['get', 'node', name]);
    return { labels: n.metadata.labels ?? {}, annotations: n.metadata.annotations ?? {} };
  }

  async cleanup(): Promise<void> {
    for (const file of this.rbacFiles)
      await kubectl(['delete', '-f', file, '--ignore-not-found', '--wait=false'], {
        allowFailure: true,
      });
    await kubectl(['delete', 'node', ...this.nodes, '--ignore-not-found', '--wait=false'], {
      allowFailure: true,
    });
    await deleteNamespace(this.namespace);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A hook or the labeller running on the host. */
export interface Running {
  /** What it has printed so far (stdout and stderr). */
  readonly output: () => string;
  /** Sends `signal` (SIGTERM by default) and resolves once it has exited. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<RunResult>;
}

function startProcess(script: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<RunResult>((resolve) => {
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
  return {
    output: () => stdout + stderr,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

function entryScript(entry: EntryPoint): string {
  return join(repoRoot, 'hooks', 'src', 'entry', `${entry}.ts`);
}
