// `kubectl onload firmware --apply` on one Onload node: drain it with the rollout's eviction, run
// the firmware Job, reload the driver when the firmware was flashed, bring the node back, each
// step bounded (plan.ts decides; this file reads the node and does what it says). On a failure
// before anything was written the node is unpaused; after, it stays paused and the message says
// what to check.
import { abortableSleep } from '../../hooks/src/abortable-sleep.ts';
import type { KubePort } from '../../hooks/src/kube/port.ts';
import { pausedLabel } from '../../hooks/src/contract.ts';
import { readNodeFacts } from '../../hooks/src/model/node-facts.ts';
import type { ReleaseRef } from '../../hooks/src/model/pods.ts';
import { NodeWriter } from '../../hooks/src/runtime/node-writer.ts';
import type { JobResult } from './run-job.ts';
import { evictionRecord, nextStep, refusal, startRun, type Limits, type NodeRun } from './plan.ts';

export interface ApplyOptions {
  readonly port: KubePort;
  readonly release: ReleaseRef;
  readonly node: string;
  readonly limits: Limits;
  /** sfupdate writes: the driver is reloaded after the Job. */
  readonly reloadAfterFlash: boolean;
  /** Runs the firmware Job on the drained node. */
  readonly flash: () => Promise<JobResult>;
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  readonly now?: () => number;
  readonly pollMs?: number;
}

export type ApplyResult =
  | { readonly kind: 'done'; readonly job: JobResult }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string; readonly job?: JobResult };

export async function applyOnNode(o: ApplyOptions): Promise<ApplyResult> {
  const now = o.now ?? Date.now;
  const writer = new NodeWriter(o.port, o.release.namespace);
  const read = async (): Promise<ReturnType<typeof readNodeFacts>> => {
    const node = await o.port.getNode(o.node);
    if (!node) throw new Error(`node ${o.node} disappeared`);
    return readNodeFacts(node, o.release.namespace);
  };
  const first = await read();
  const refused = refusal(first);
  if (refused !== undefined) return { kind: 'refused', message: refused };
  let run: NodeRun = startRun(first, now(), o.reloadAfterFlash);
  let job: JobResult | undefined;
  let said = '';
  const say = (line: string): void => {
    if (line !== said) o.progress(line);
    said = line;
  };
  const unpause = async (): Promise<void> => {
    o.progress('restoring the node: removing the pause');
    const node = await o.port.getNode(o.node);
    if (node) await writer.settle(node, (f) => (f.paused ? { paused: false } : undefined));
  };
  const failed = (message: string): ApplyResult => ({
    kind: 'failed',
    message,
    ...(job ? { job } : {}),
  });
  while (run.phase !== 'done') {
    if (o.signal.aborted) {
      if (run.phase !== 'drain')
        return failed(`interrupted in phase ${run.phase}; the node stays paused`);
      await unpause();
      return failed('interrupted while draining; the node was unpaused, nothing was written');
    }
    const facts = await read();
    const pods = await o.port.listPods({ fieldSelector: `spec.nodeName=${o.node}` });
    const step = nextStep({ now: now(), facts, pods, release: o.release, run, limits: o.limits });
    switch (step.kind) {
      case 'patch': {
        say(step.say);
        const { result } = await writer.write({
          node: facts.name,
          resourceVersion: facts.resourceVersion,
          change: step.change,
        });
        if (result.kind === 'not-found') return failed(`node ${o.node} disappeared`);
        continue;
      }
      case 'evict': {
        say(step.say);
        const evictions = new Map(run.evictions);
        for (const pod of step.pods) {
          const result = await o.port.evictPod(pod);
          evictions.set(pod.uid, evictionRecord(result, now()));
          if (result.kind === 'evicted') o.progress(`evicted ${pod.namespace}/${pod.name}`);
        }
        run = { ...run, evictions };
        break;
      }
      case 'wait':
        say(step.say);
        break;
      case 'advance':
        run = {
          ...run,
          phase: step.phase,
          since: step.phase === run.phase ? run.since : now(),
          ...(step.stage ? { stage: step.stage } : {}),
        };
        continue;
      case 'flash': {
        job = await o.flash();
        if (job.outcome !== 'succeeded')
          return failed(
            `the firmware Job ${job.outcome}; the node stays paused with its driver loaded: read the Job's output above, check the adapter ("kubectl onload debug ${o.node} --sfc"), then remove the pause label ("kubectl label node ${o.node} ${pausedLabel(o.release.namespace)}-")`,
          );
        run = { ...run, phase: run.reloadAfterFlash ? 'reload' : 'resume', since: now() };
        continue;
      }
      case 'fail':
        if (step.unpause) await unpause();
        return failed(step.message);
    }
    await abortableSleep(o.pollMs ?? 1000, o.signal);
  }
  if (!job) return failed('the firmware Job did not run');
  return { kind: 'done', job };
}
