// The runner: executes our own pods (hook Jobs, labeller) on this machine as their kubelet would —
// the container's command with its environment and a kubeconfig holding a token of the pod's
// ServiceAccount (so the chart's RBAC applies), logs kept, exits and restarts reported on the pod.
import type { V1Pod } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { constants } from 'node:os';
import { patchPodStatus, type Caches, type ChangeHandler, type Clients } from '../kube/client.ts';
import { WorkQueue } from '../kube/queue.ts';
import type { PodStatus } from '../kube/shapes.ts';
import { errorText, type Logger } from '../log.ts';
import { rfc3339 } from '../time.ts';
import { hostCommand, isFakeNode, isRunnerPod, resolveEnv, type HostCommand } from './command.ts';
import { readEnvSources, writePodKubeconfig } from './credentials.ts';
import { criLines, criLogPath, kwokLogs, podLogPath } from './logs.ts';
import {
  backoffMs,
  backoffStatus,
  configErrorStatus,
  finishedStatus,
  runningStatus,
  shouldRestart,
  terminationMessage,
  type Exit,
} from './status.ts';

export interface RunnerOptions {
  readonly stateDir: string;
  /** Directories searched for `/app/<file>` (in order). */
  readonly appDirs: readonly string[];
}

interface Run {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly command: HostCommand;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  restartCount: number;
  last?: Exit;
  child?: ChildProcess;
  startedAt: string;
  output: string;
  terminating: boolean;
  /** Finished for good; kept until the pod shows it. */
  done: boolean;
  timer?: NodeJS.Timeout;
  /** Status writes of this run, in order. */
  writes: Promise<void>;
}

const outputTailBytes = 8192;

/** Lets `kubectl logs` (and Helm's hook log output) read the pod through KWOK's log server. */
async function publishLogs(
  clients: Clients,
  pod: { name: string; namespace: string; uid: string; container: string },
  file: string,
  log: Logger,
): Promise<void> {
  try {
    await clients.custom.createNamespacedCustomObject({
      group: 'kwok.x-k8s.io',
      version: 'v1alpha1',
      namespace: pod.namespace,
      plural: 'logs',
      body: kwokLogs(pod, file),
    });
  } catch (error) {
    if (!errorText(error).includes('AlreadyExists'))
      log.warn('cannot publish pod logs to KWOK', { pod: pod.name, error: errorText(error) });
  }
}

export function startRunner(
  clients: Clients,
  caches: Caches,
  options: RunnerOptions,
  log: Logger,
): { onChange: ChangeHandler; stop: () => Promise<void> } {
  const runs = new Map<string, Run>();
  const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
  const hostIP = (pod: V1Pod): string | undefined =>
    caches.nodes
      .get(pod.spec?.nodeName ?? '')
      ?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;

  function report(run: Run, status: (pod: V1Pod) => PodStatus): void {
    run.writes = run.writes.then(async () => {
      const pod = caches.pods.get(run.name, run.namespace);
      if (!pod || pod.metadata?.uid !== run.uid) return;
      try {
        await patchPodStatus(clients, caches, pod, status(pod));
      } catch (error) {
        log.warn('pod status write failed', {
          pod: keyOf(run.namespace, run.name),
          error: errorText(error),
        });
      }
    });
  }

  function launch(run: Run): void {
    const logFile = podLogPath(options.stateDir, run.namespace, run.name);
    const flags = run.restartCount === 0 ? 'w' : 'a';
    const out: WriteStream = createWriteStream(logFile, { flags });
    const cri: WriteStream = createWriteStream(
      criLogPath(options.stateDir, run.namespace, run.name),
      { flags },
    );
    const pending = { stdout: '', stderr: '' };
    const toCri =
      (stream: 'stdout' | 'stderr') =>
      (chunk: Buffer): void => {
        const { lines, pending: rest } = criLines(
          pending[stream],
          chunk.toString(),
          stream,
          new Date().toISOString(),
        );
        pending[stream] = rest;
        cri.write(lines);
      };
    run.startedAt = rfc3339(new Date());
    run.output = '';
    const child = spawn(run.command.file, run.command.args, {
      cwd: run.cwd,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    run.child = child;
    const capture = (chunk: Buffer): void => {
      out.write(chunk);
      run.output = (run.output + chunk.toString()).slice(-outputTailBytes);
    };
    child.stdout.on('data', capture);
    child.stderr.on('data', capture);
    child.stdout.on('data', toCri('stdout'));
    child.stderr.on('data', toCri('stderr'));
    child.on('error', (error) => {
      capture(Buffer.from(`runner: ${error.message}\n`));
    });
    child.on('close', (code, signal) => {
      out.end();
      for (const stream of ['stdout', 'stderr'] as const)
        toCri(stream)(Buffer.from(pending[stream] ? '\n' : ''));
      cri.end();
      const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 1);
      onExit(run, { exitCode, startedAt: run.startedAt, finishedAt: rfc3339(new Date()) });
    });
    log.info('started', {
      pod: keyOf(run.namespace, run.name),
      command: [run.command.file, ...run.command.args].join(' '),
      restartCount: run.restartCount,
    });
    report(run, (pod) =>
      runningStatus(
        pod,
        { startedAt: run.startedAt, restartCount: run.restartCount, last: run.last },
        hostIP(pod),
      ),
    );
  }

  function onExit(run: Run, exit: Exit): void {
    run.child = undefined;
    log.info('exited', { pod: keyOf(run.namespace, run.name), exitCode: exit.exitCode });
    const pod = caches.pods.get(run.name, run.namespace);
    if (run.terminating || !pod || pod.metadata?.uid !== run.uid) {
      clearTimeout(run.timer);
      runs.delete(run.uid);
      return;
    }
    const container = pod.spec?.containers[0];
    const message = terminationMessage(
      container?.terminationMessagePolicy,
      exit.exitCode,
      run.output,
    );
    const last = { ...exit, ...(message ? { message } : {}) };
    if (shouldRestart(pod.spec?.restartPolicy, exit.exitCode)) {
      run.restartCount += 1;
      run.last = last;
      const restarts = run.restartCount;
      report(run, (p) => backoffStatus(p, last, restarts, hostIP(p)));
      run.timer = setTimeout(() => {
        if (!run.terminating) launch(run);
      }, backoffMs(run.restartCount));
      return;
    }
    run.done = true;
    report(run, (p) => finishedStatus(p, last, run.restartCount, hostIP(p)));
  }

  function terminate(run: Run, graceSeconds: number): void {
    if (run.terminating) return;
    run.terminating = true;
    clearTimeout(run.timer);
    const child = run.child;
    if (!child) {
      runs.delete(run.uid);
      return;
    }
    log.info('pod deleted; stopping its process', {
      pod: keyOf(run.namespace, run.name),
      graceSeconds,
    });
    child.kill('SIGTERM');
    run.timer = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
  }

  async function start(pod: V1Pod): Promise<number | undefined> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    /** The container cannot start at all: the pod fails (kubelet: StartError, exit 128). */
    const fail = async (message: string): Promise<undefined> => {
      const now = rfc3339(new Date());
      const exit = { exitCode: 128, startedAt: now, finishedAt: now, message };
      log.warn('cannot run pod', { pod: keyOf(namespace, name), message });
      await patchPodStatus(
        clients,
        caches,
        pod,
        finishedStatus(pod, exit, 0, hostIP(pod), 'StartError'),
      );
      return undefined;
    };
    const containers = pod.spec?.containers ?? [];
    const container = containers[0];
    if (!container || containers.length > 1 || (pod.spec?.initContainers ?? []).length > 0)
      return fail(
        'the test-bed runner runs pods with exactly one container and no init containers',
      );
    const command = hostCommand(container, options.appDirs, process.execPath, existsSync);
    if ('error' in command) return fail(command.error);
    const resolved = resolveEnv(container, pod, await readEnvSources(clients, pod, container));
    if ('error' in resolved) {
      await patchPodStatus(
        clients,
        caches,
        pod,
        configErrorStatus(pod, resolved.error, hostIP(pod)),
      );
      return 2000;
    }
    const cwd = join(options.stateDir, 'pods', `${namespace}_${name}`);
    await mkdir(cwd, { recursive: true });
    await mkdir(dirname(podLogPath(options.stateDir, namespace, name)), { recursive: true });
    const kubeconfig = await writePodKubeconfig(clients, pod, cwd);
    await publishLogs(
      clients,
      { name, namespace, uid, container: container.name },
      criLogPath(options.stateDir, namespace, name),
      log,
    );
    const run: Run = {
      uid,
      namespace,
      name,
      command,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        HOSTNAME: name,
        ...resolved.env,
        KUBECONFIG: kubeconfig,
      },
      cwd,
      restartCount: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
      startedAt: '',
      output: '',
      terminating: false,
      done: false,
      writes: Promise.resolve(),
    };
    runs.set(uid, run);
    launch(run);
    return undefined;
  }

  async function reconcile(key: string): Promise<number | undefined> {
    if (!caches.pods.synced() || !caches.nodes.synced()) return 1000;
    const [namespace = '', name = ''] = key.split('/', 2);
    const pod = caches.pods.get(name, namespace);
    for (const run of runs.values())
      if (run.namespace === namespace && run.name === name && run.uid !== pod?.metadata?.uid) {
        terminate(run, 0);
        runs.delete(run.uid);
      }
    if (!pod || !isRunnerPod(pod) || !pod.spec?.nodeName) return undefined;
    if (!isFakeNode(caches.nodes.get(pod.spec.nodeName))) return undefined;
    const run = runs.get(pod.metadata?.uid ?? '');
    if (pod.metadata?.deletionTimestamp) {
      if (run) terminate(run, pod.metadata.deletionGracePeriodSeconds ?? 30);
      return undefined;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      if (run?.done) runs.delete(run.uid);
      return undefined;
    }
    if (run) return undefined;
    if (phase === 'Running' && pod.spec.restartPolicy === 'Never') {
      const now = rfc3339(new Date());
      const lost = {
        exitCode: 137,
        startedAt: now,
        finishedAt: now,
        message: 'the runner lost this container (agents restarted)',
      };
      await patchPodStatus(
        clients,
        caches,
        pod,
        finishedStatus(pod, lost, 0, hostIP(pod), 'ContainerStatusUnknown'),
      );
      return undefined;
    }
    return start(pod);
  }

  const queue = new WorkQueue(reconcile, log);
  return {
    onChange: (change) => {
      if (change.kind === 'pods' && isRunnerPod(change.object))
        queue.add(
          keyOf(change.object.metadata?.namespace ?? '', change.object.metadata?.name ?? ''),
        );
    },
    stop: async () => {
      queue.stop();
      const children = [...runs.values()].flatMap((r) => (r.child ? [r.child] : []));
      for (const run of runs.values()) {
        run.terminating = true;
        clearTimeout(run.timer);
      }
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) resolve();
              const timer = setTimeout(() => {
                child.kill('SIGKILL');
              }, 3000);
              child.on('close', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
    },
  };
}
