// Starts a real Argo CD (built from Go modules, ci/tools/argocd) for a running test bed, only when a
// test asks: redis, repo-server and application-controller on the host, through the supervisor, so
// stopCluster and the watchdog stop them with the bed. Argo CD's CRDs and base config come from the
// pinned argo-cd module.
import { copyFile, chmod, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { helmPath } from '../../lib/helm.ts';
import { httpGetOk } from '../../lib/http-probe.ts';
import { run } from '../../lib/process.ts';
import { formatSeconds, type Progress } from '../../lib/progress.ts';
import { waitFor } from '../../lib/wait.ts';
import { binaryPath, ensureTool, sourceModuleDir } from '../../tools/build.ts';
import { tools } from '../../tools/catalog.ts';
import { ensureDebianPackages } from '../../tools/system-packages.ts';
import type { ClusterState } from '../cluster.ts';
import { installCrds } from '../crds.ts';
import { freePorts } from '../ports.ts';
import {
  isAlive,
  processIdOf,
  startProcess,
  stopProcesses,
  tailOfLog,
  type ProcessId,
} from '../supervisor.ts';
import {
  argoCdNamespace,
  componentEnv,
  controllerArgs,
  defaultProject,
  redisArgs,
  repoServerArgs,
  type ArgoCdLayout,
} from './components.ts';

export { argoCdNamespace } from './components.ts';

export interface ArgoCd {
  readonly namespace: string;
  readonly version: string;
  readonly startSeconds: number;
  /** Stops the Argo CD processes (the bed keeps running). */
  stop(): Promise<void>;
}

/**
 * A PATH directory with what the repo-server execs (helm 3, as Argo CD ships; git's verify wrapper)
 * and redis-server. Debian's redis-tools holds the whole redis binary, which runs as a server when
 * called redis-server; the redis-server package would also install and start a system service.
 */
async function binDir(dir: string, argoModule: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const entries = new Set(await readdir(dir));
  if (!entries.has('helm')) await symlink(await helmPath(3), join(dir, 'helm'));
  if (!entries.has('redis-server'))
    await symlink('/usr/bin/redis-check-rdb', join(dir, 'redis-server'));
  const wrapper = join(dir, 'git-verify-wrapper.sh');
  if (!entries.has('git-verify-wrapper.sh')) {
    await copyFile(join(argoModule, 'hack', 'git-verify-wrapper.sh'), wrapper);
    await chmod(wrapper, 0o755);
  }
  return dir;
}

async function applyBaseObjects(kubeconfig: string, argoModule: string): Promise<void> {
  const crds = ['application-crd.yaml', 'appproject-crd.yaml'].map((f) =>
    join(argoModule, 'manifests', 'crds', f),
  );
  // `kubectl wait` fails outright on a CRD the API server has not given conditions yet: retry.
  await waitFor(
    "Argo CD's CRDs to be established",
    () => installCrds(kubeconfig, crds).then(() => true),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const kubectl = (args: readonly string[], input?: string): Promise<unknown> =>
    run(binaryPath('kubernetes', 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
      ...(input === undefined ? {} : { input }),
    });
  await kubectl(['create', 'namespace', argoCdNamespace]);
  const configDir = join(argoModule, 'manifests', 'base', 'config');
  const configFiles = (await readdir(configDir)).filter(
    (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
  );
  await kubectl([
    'apply',
    '-n',
    argoCdNamespace,
    ...configFiles.flatMap((f) => ['-f', join(configDir, f)]),
  ]);
  await kubectl(['apply', '-f', '-'], stringify(defaultProject()));
}

export async function startArgoCd(state: ClusterState, progress: Progress): Promise<ArgoCd> {
  const started = Date.now();
  await ensureTool('argocd', progress);
  await ensureDebianPackages(['redis-tools', 'git'], 'Argo CD on the test bed', progress);
  const argoModule = await sourceModuleDir('argocd');
  const workDir = join(state.stateDir, 'argocd');
  await mkdir(workDir, { recursive: true });
  const [redisPort = 0, repoServerPort = 0, repoServerMetricsPort = 0, controllerMetricsPort = 0] =
    await freePorts(4);
  const layout: ArgoCdLayout = {
    redisPort,
    repoServerPort,
    repoServerMetricsPort,
    controllerMetricsPort,
    kubeconfig: state.kubeconfig,
    workDir,
  };
  await applyBaseObjects(state.kubeconfig, argoModule);

  const argocd = binaryPath('argocd', 'argocd');
  const pathDir = await binDir(join(workDir, 'bin'), argoModule);
  progress(`starting Argo CD ${tools.argocd.version} (redis, repo-server, application-controller)`);
  const processes: ProcessId[] = [];
  const start = (name: string, file: string, args: string[], env?: NodeJS.ProcessEnv): number => {
    const pid = startProcess(state.stateDir, name, file, args, env);
    const id = processIdOf(pid);
    if (id) processes.push(id);
    return pid;
  };
  const alive = (name: string, pid: number): void => {
    if (!isAlive(pid)) throw new Error(`${name} exited:\n${tailOfLog(state.stateDir, name)}`);
  };
  const repoEnv = {
    ...componentEnv('argocd-repo-server', layout, [pathDir], process.env),
    HOME: workDir,
    TMPDIR: workDir,
    // no commit signature checks; its keyring, SSH and TLS files live under /app/config in a pod
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_SSH_DATA_PATH: join(workDir, 'ssh'),
    ARGOCD_TLS_DATA_PATH: join(workDir, 'tls'),
  };
  try {
    const redisPid = start('argocd-redis', join(pathDir, 'redis-server'), redisArgs(layout));
    const repoPid = start('argocd-repo-server', argocd, repoServerArgs(layout), repoEnv);
    const controllerPid = start(
      'argocd-application-controller',
      argocd,
      controllerArgs(layout),
      componentEnv('argocd-application-controller', layout, [], process.env),
    );
    await waitFor(
      'Argo CD to become ready',
      async () => {
        alive('argocd-redis', redisPid);
        alive('argocd-repo-server', repoPid);
        alive('argocd-application-controller', controllerPid);
        return (
          (await httpGetOk(`http://127.0.0.1:${repoServerMetricsPort}/healthz`)) &&
          (await httpGetOk(`http://127.0.0.1:${controllerMetricsPort}/healthz`))
        );
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        describe: () => tailOfLog(state.stateDir, 'argocd-application-controller', 15),
      },
    );
  } catch (error) {
    await stopArgoCd(processes);
    throw error;
  }
  const startSeconds = (Date.now() - started) / 1000;
  progress(`Argo CD up in ${formatSeconds(Date.now() - started)}`);
  return {
    namespace: argoCdNamespace,
    version: tools.argocd.version,
    startSeconds,
    stop: () => stopArgoCd(processes),
  };
}

function stopArgoCd(processes: readonly ProcessId[]): Promise<void> {
  return stopProcesses([...processes].reverse(), 10_000);
}
