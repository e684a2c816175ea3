// Running one firmware Job: create, wait (bounded), read its pod's log, delete — the delete runs
// also when the wait fails, times out or is aborted. A Job whose pod cannot start (image pull,
// bad config) ends the wait at once.
import type { V1Job } from '@kubernetes/client-node';
import { abortableSleep } from '../../hooks/src/abortable-sleep.ts';
import { hopeless } from '../debug/run.ts';
import type { FirmwareJobPort, JobView } from './job-port.ts';
import { firmwareContainer } from './job.ts';

export type JobOutcome = 'succeeded' | 'failed' | 'timeout' | 'interrupted' | 'error';

export interface JobResult {
  readonly job: string;
  readonly outcome: JobOutcome;
  /** The pod's log: each command, its output and exit code. */
  readonly text: string;
  readonly problems: readonly string[];
}

export interface RunJobOptions {
  readonly waitSeconds: number;
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function describe(view: JobView): string {
  const pod = view.pod;
  const podText = pod
    ? `pod ${pod.name} ${[pod.phase, pod.reason].filter(Boolean).join(': ')}`
    : 'no pod yet';
  return view.ended ? `${view.ended}${view.reason ? ` (${view.reason})` : ''}` : podText;
}

export async function runFirmwareJob(
  port: FirmwareJobPort,
  job: V1Job,
  o: RunJobOptions,
): Promise<JobResult> {
  const namespace = job.metadata?.namespace ?? 'default';
  const name = job.metadata?.name ?? '';
  const problems: string[] = [];
  const now = o.now ?? Date.now;
  let podName: string | undefined;
  const result = (outcome: JobOutcome, text = ''): JobResult => ({
    job: name,
    outcome,
    text,
    problems,
  });
  const readLog = async (): Promise<string> => {
    if (podName === undefined) return '';
    try {
      return await port.readLog(
        namespace,
        podName,
        firmwareContainer,
        new AbortController().signal,
      );
    } catch (e) {
      problems.push(`could not read the log of pod ${podName}: ${message(e)}`);
      return '';
    }
  };
  try {
    o.progress(`creating Job ${namespace}/${name}`);
    try {
      await port.createJob(job, o.signal);
    } catch (e) {
      problems.push(`could not create Job ${name}: ${message(e)}`);
      return result('error');
    }
    const until = now() + o.waitSeconds * 1000;
    let last = '';
    for (;;) {
      if (o.signal.aborted) {
        problems.push('interrupted before the Job ended');
        return result('interrupted', await readLog());
      }
      const view = await port.readJob(namespace, name, o.signal);
      if (!view) {
        problems.push(`Job ${name} disappeared before it ended`);
        return result('error');
      }
      podName = view.pod?.name ?? podName;
      const seen = describe(view);
      if (seen !== last) o.progress(seen);
      last = seen;
      if (view.ended === 'succeeded') return result('succeeded', await readLog());
      if (view.ended === 'failed') {
        problems.push(
          `Job ${name} failed${view.reason ? ` (${view.reason}${view.message ? `: ${view.message}` : ''})` : ''}`,
        );
        return result(view.reason === 'DeadlineExceeded' ? 'timeout' : 'failed', await readLog());
      }
      if (view.pod?.phase === 'Pending' && view.pod.reason && hopeless.has(view.pod.reason)) {
        problems.push(
          `the pod of Job ${name} cannot start: ${view.pod.reason}${view.pod.message ? `: ${view.pod.message}` : ''}`,
        );
        return result('error');
      }
      if (now() >= until) {
        problems.push(`Job ${name} did not end within ${o.waitSeconds} s (${seen})`);
        return result('timeout', await readLog());
      }
      await abortableSleep(Math.min(o.pollMs ?? 1000, Math.max(until - now(), 0)), o.signal);
    }
  } catch (e) {
    problems.push(message(e));
    return result(o.signal.aborted ? 'interrupted' : 'error');
  } finally {
    try {
      await port.deleteJob(namespace, name);
    } catch (e) {
      problems.push(
        `could not delete Job ${name}: ${message(e)}; delete it with "kubectl delete job -n ${namespace} ${name}"`,
      );
    }
  }
}
