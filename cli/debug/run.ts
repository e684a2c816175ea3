// Running troubleshooting pods: create, wait (bounded), read the log, delete — the delete always
// runs, also when the wait fails, times out or is interrupted (SIGINT, SIGTERM).
import type { V1Pod } from '@kubernetes/client-node';
import { abortableSleep } from '../../hooks/src/abortable-sleep.ts';
import type { DebugPodPort, PodView } from './port.ts';

export type NodeOutcome = 'succeeded' | 'failed' | 'timeout' | 'interrupted' | 'error';

export interface NodeReport {
  readonly node: string;
  readonly pod: string;
  readonly outcome: NodeOutcome;
  /** The report script's exit code (0: something could be read; 1: nothing could). */
  readonly exitCode?: number;
  /** The pod's log: the report, or what there is of it. */
  readonly text: string;
  /** What went wrong around the report (creating, waiting, reading, deleting). */
  readonly problems: readonly string[];
}

/** process, or a stand-in in tests. */
export interface Interrupts {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface WaitOptions {
  /** How long to wait for one pod; default its activeDeadlineSeconds + 60 s (reports), 300 s (shells). */
  readonly waitSeconds?: number;
  /** Between reads of the pod; default 1000. */
  readonly pollMs?: number;
  readonly progress?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Where SIGINT and SIGTERM come from; default process; null: not handled here. */
  readonly interrupts?: Interrupts | null;
  readonly now?: () => number;
}

export interface RunReportsOptions extends WaitOptions {
  readonly nodes: readonly string[];
  /** The report pod for a node (debugPod with mode 'report'). */
  readonly pod: (node: string) => V1Pod;
  /** Nodes at once; default 4. */
  readonly parallel?: number;
}

/** Container states that do not get better by waiting. */
export const hopeless = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function describe(view: PodView): string {
  return [view.phase, view.reason, view.message].filter(Boolean).join(': ');
}

/** An AbortSignal that aborts with `outer` or on SIGINT/SIGTERM, and how to stop listening. */
export function interruptible(
  outer: AbortSignal | undefined,
  interrupts: Interrupts | null,
  progress: (line: string) => void,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort();
  };
  outer?.addEventListener('abort', abort, { once: true });
  if (outer?.aborted) controller.abort();
  const onSignal = (): void => {
    if (!controller.signal.aborted)
      progress('interrupted: deleting the troubleshooting pods before exiting');
    controller.abort();
  };
  interrupts?.on('SIGINT', onSignal);
  interrupts?.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      outer?.removeEventListener('abort', abort);
      interrupts?.off('SIGINT', onSignal);
      interrupts?.off('SIGTERM', onSignal);
    },
  };
}

interface Identity {
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
}

function identity(pod: V1Pod): Identity {
  const name = pod.metadata?.name;
  const container = pod.spec?.containers[0]?.name;
  if (!name || !container) throw new Error('the troubleshooting pod needs a name and a container');
  return { namespace: pod.metadata?.namespace ?? 'default', name, container };
}

type Waited =
  | { readonly kind: 'reached'; readonly view: PodView }
  | { readonly kind: 'hopeless'; readonly view: PodView }
  | { readonly kind: 'gone' }
  | { readonly kind: 'timeout'; readonly last?: PodView }
  | { readonly kind: 'interrupted' };

/** Polls the pod until `reached` says so, it cannot start, it is gone, time is up or aborted. */
async function waitFor(
  port: DebugPodPort,
  id: Identity,
  reached: (view: PodView) => boolean,
  o: {
    waitMs: number;
    pollMs: number;
    now: () => number;
    signal: AbortSignal;
    onChange: (view: PodView) => void;
  },
): Promise<Waited> {
  const until = o.now() + o.waitMs;
  let last: PodView | undefined;
  const aborted = (): boolean => o.signal.aborted;
  for (;;) {
    if (aborted()) return { kind: 'interrupted' };
    const view = await port.readPod(id.namespace, id.name, o.signal);
    if (aborted()) return { kind: 'interrupted' };
    if (!view) return { kind: 'gone' };
    if (describe(view) !== (last ? describe(last) : '')) o.onChange(view);
    last = view;
    if (reached(view)) return { kind: 'reached', view };
    if (view.phase === 'Pending' && view.reason && hopeless.has(view.reason))
      return { kind: 'hopeless', view };
    if (o.now() >= until) return { kind: 'timeout', last };
    await abortableSleep(Math.min(o.pollMs, Math.max(until - o.now(), 0)), o.signal);
  }
}

const ended = (v: PodView): boolean => v.phase === 'Succeeded' || v.phase === 'Failed';

async function deleteNoting(
  port: DebugPodPort,
  id: Identity,
  problems: string[],
  progress: (line: string) => void,
): Promise<void> {
  try {
    await port.deletePod(id.namespace, id.name);
  } catch (e) {
    const why = `could not delete pod ${id.name}: ${message(e)}; delete it with "kubectl delete pod -n ${id.namespace} ${id.name}"`;
    problems.push(why);
    progress(why);
  }
}

async function runOne(
  port: DebugPodPort,
  node: string,
  pod: V1Pod,
  o: Required<Pick<WaitOptions, 'pollMs' | 'now'>> & {
    waitSeconds: number | undefined;
    signal: AbortSignal;
    progress: (line: string) => void;
  },
): Promise<NodeReport> {
  const id = identity(pod);
  const problems: string[] = [];
  const say = (line: string): void => {
    o.progress(`${node}: ${line}`);
  };
  const result = (outcome: NodeOutcome, text: string, exitCode?: number): NodeReport => ({
    node,
    pod: id.name,
    outcome,
    ...(exitCode !== undefined ? { exitCode } : {}),
    text,
    problems,
  });
  const readLog = async (): Promise<string> => {
    try {
      return await port.readLog(id.namespace, id.name, id.container, new AbortController().signal);
    } catch (e) {
      problems.push(`could not read the log of pod ${id.name}: ${message(e)}`);
      return '';
    }
  };
  try {
    if (o.signal.aborted) return result('interrupted', '');
    say(`creating pod ${id.namespace}/${id.name}`);
    try {
      await port.createPod(pod, o.signal);
    } catch (e) {
      problems.push(`could not create pod ${id.name}: ${message(e)}`);
      say(`failed: ${problems.at(-1) ?? ''}`);
      return result('error', '');
    }
    const waitSeconds = o.waitSeconds ?? (pod.spec?.activeDeadlineSeconds ?? 900) + 60;
    const waited = await waitFor(port, id, ended, {
      waitMs: waitSeconds * 1000,
      pollMs: o.pollMs,
      now: o.now,
      signal: o.signal,
      onChange: (v) => {
        say(describe(v));
      },
    });
    switch (waited.kind) {
      case 'interrupted':
        problems.push('interrupted before the report ended');
        return result('interrupted', await readLog());
      case 'gone':
        problems.push(`pod ${id.name} disappeared before its report ended`);
        return result('error', '');
      case 'hopeless':
        problems.push(`pod ${id.name} cannot start: ${describe(waited.view)}`);
        say(`failed: ${problems.at(-1) ?? ''}`);
        return result('error', '');
      case 'timeout':
        problems.push(
          `the report did not end within ${waitSeconds} s (${waited.last ? describe(waited.last) : 'never read'}); what it printed is kept`,
        );
        say(`timed out after ${waitSeconds} s`);
        return result('timeout', await readLog());
      case 'reached': {
        const text = await readLog();
        const { view } = waited;
        if (view.reason === 'DeadlineExceeded') {
          problems.push(`the pod reached its activeDeadlineSeconds before the report ended`);
          return result('timeout', text);
        }
        const code = view.exitCode;
        if (code === 0) {
          say('report done');
          return result('succeeded', text, code);
        }
        problems.push(
          code === 1
            ? 'the report could read nothing on the node'
            : `the report ended with ${code === undefined ? describe(view) : `exit code ${code}`}`,
        );
        say(`failed: ${problems.at(-1) ?? ''}`);
        return result('failed', text, code);
      }
    }
  } catch (e) {
    problems.push(message(e));
    return result(o.signal.aborted ? 'interrupted' : 'error', '');
  } finally {
    await deleteNoting(port, id, problems, say);
  }
}

/** Runs the report pod on every node (`parallel` at once); one NodeReport per node, in order. */
export async function runReports(
  port: DebugPodPort,
  options: RunReportsOptions,
): Promise<NodeReport[]> {
  const progress = options.progress ?? (() => undefined);
  const { signal, dispose } = interruptible(
    options.signal,
    options.interrupts === undefined ? process : options.interrupts,
    progress,
  );
  const reports: NodeReport[] = new Array<NodeReport>(options.nodes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.nodes.length) {
      const index = next++;
      const node = options.nodes[index] ?? '';
      reports[index] = await runOne(port, node, options.pod(node), {
        waitSeconds: options.waitSeconds,
        pollMs: options.pollMs ?? 1000,
        now: options.now ?? Date.now,
        signal,
        progress,
      });
    }
  };
  try {
    const workers = Math.max(1, Math.min(options.parallel ?? 4, options.nodes.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    dispose();
  }
  return reports;
}

export interface ShellSession {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface ShellOptions extends WaitOptions {
  /** The shell pod (debugPod with mode 'shell'). */
  readonly pod: V1Pod;
}

/**
 * Starts the shell pod, waits until it runs, hands it to `use` (which execs into it), and deletes
 * it afterwards whatever happens, also on SIGINT/SIGTERM (`use` gets a signal that aborts then).
 */
export async function withShell<T>(
  port: DebugPodPort,
  options: ShellOptions,
  use: (session: ShellSession, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const progress = options.progress ?? (() => undefined);
  const id = identity(options.pod);
  const node = options.pod.spec?.nodeName ?? '';
  const say = (line: string): void => {
    progress(`${node}: ${line}`);
  };
  const { signal, dispose } = interruptible(
    options.signal,
    options.interrupts === undefined ? process : options.interrupts,
    progress,
  );
  const problems: string[] = [];
  let created = false;
  try {
    say(`creating pod ${id.namespace}/${id.name}`);
    await port.createPod(options.pod, signal);
    created = true;
    const waitSeconds = options.waitSeconds ?? 300;
    const waited = await waitFor(port, id, (v) => v.phase === 'Running' || ended(v), {
      waitMs: waitSeconds * 1000,
      pollMs: options.pollMs ?? 1000,
      now: options.now ?? Date.now,
      signal,
      onChange: (v) => {
        say(describe(v));
      },
    });
    if (waited.kind !== 'reached' || waited.view.phase !== 'Running') {
      const why =
        waited.kind === 'reached' || waited.kind === 'hopeless'
          ? describe(waited.view)
          : waited.kind === 'timeout'
            ? `not running after ${waitSeconds} s`
            : waited.kind === 'gone'
              ? 'the pod disappeared'
              : 'interrupted';
      throw new Error(`the shell pod ${id.name} on ${node} did not start: ${why}`);
    }
    return await use({ namespace: id.namespace, pod: id.name, container: id.container }, signal);
  } finally {
    dispose();
    if (created) await deleteNoting(port, id, problems, say);
    else await port.deletePod(id.namespace, id.name).catch(() => undefined);
  }
}
