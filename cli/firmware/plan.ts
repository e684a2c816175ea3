// One node's next step in `kubectl onload firmware --apply`, from what the node looks like now
// and what this run remembers. Pure. The rollout's own rules: the pause label sends the device
// plugin, control plane and metrics pods away while the amd.com/onload consumers are evicted through
// the Eviction API (retried while a budget refuses, re-sent when an eviction does not take); the
// driver is reloaded through KMM's version labels in dependency order (onload out, sfc out, sfc in,
// onload in); the pause label goes last and the node is done once its device plugin is Ready.
import { components, type ModuleKey } from '../../hooks/src/contract.ts';
import type { EvictionResult, PodView } from '../../hooks/src/kube/port.ts';
import type { NodeChange, NodeFacts } from '../../hooks/src/model/node-facts.ts';
import {
  componentLabel,
  consumers,
  nodeServicePods,
  podKey,
  podsLeavingPausedNode,
  type ReleaseRef,
} from '../../hooks/src/model/pods.ts';
import { describePods, nextEvictionAt } from '../../hooks/src/planner/node-evict.ts';
import type { EvictionRecord, PodTarget } from '../../hooks/src/planner/types.ts';

export type Phase = 'drain' | 'flash' | 'reload' | 'resume' | 'done';
export type ReloadStage = 'onload-out' | 'sfc-out' | 'sfc-in' | 'onload-in';

export interface Limits {
  readonly drainSeconds: number;
  readonly reloadSeconds: number;
  readonly resumeSeconds: number;
}

/** What this run remembers of one node. */
export interface NodeRun {
  readonly phase: Phase;
  /** When the phase began (ms). */
  readonly since: number;
  /** The KMM version labels the node had before: what the reload puts back. */
  readonly versions: Readonly<Partial<Record<ModuleKey, string>>>;
  readonly stage: ReloadStage;
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
  /** The firmware was written (sfupdate): the driver is reloaded before the node resumes. */
  readonly reloadAfterFlash: boolean;
}

export interface PlanInput {
  readonly now: number;
  readonly facts: NodeFacts;
  /** Every pod on the node. */
  readonly pods: readonly PodView[];
  readonly release: ReleaseRef;
  readonly run: NodeRun;
  readonly limits: Limits;
}

export type Step =
  | { readonly kind: 'patch'; readonly change: NodeChange; readonly say: string }
  | { readonly kind: 'evict'; readonly pods: readonly PodTarget[]; readonly say: string }
  | { readonly kind: 'wait'; readonly say: string }
  | { readonly kind: 'advance'; readonly phase: Phase; readonly stage?: ReloadStage }
  | { readonly kind: 'flash' }
  | {
      readonly kind: 'fail';
      readonly message: string;
      /** The driver is untouched: unpausing the node returns it to service. */
      readonly unpause: boolean;
    };

export function startRun(facts: NodeFacts, now: number, reloadAfterFlash: boolean): NodeRun {
  const { onload, sfc } = facts.modules;
  return {
    phase: 'drain',
    since: now,
    versions: {
      ...(onload.label !== undefined ? { onload: onload.label } : {}),
      ...(sfc.label !== undefined ? { sfc: sfc.label } : {}),
    },
    stage: 'onload-out',
    evictions: new Map(),
    reloadAfterFlash,
  };
}

/** Why the node cannot be taken for firmware work now; undefined when it can. */
export function refusal(facts: NodeFacts): string | undefined {
  if (facts.state !== undefined && facts.state !== 'upgrade-done')
    return `node ${facts.name} is in a rollout (state ${facts.state}${facts.message ? `: ${facts.message}` : ''}); let it finish ("kubectl onload status") and run this again`;
  if (facts.paused)
    return `node ${facts.name} is already paused (its device plugin is away): another operation holds it; remove the pause label once nothing works on it, then run this again`;
  if (facts.modules.onload.label === undefined)
    return `node ${facts.name} has no onload version label: the labeller has not taken it in yet; wait for it ("kubectl onload status")`;
  return undefined;
}

const over = (input: PlanInput, seconds: number): boolean =>
  input.now >= input.run.since + seconds * 1000;

export function nextStep(input: PlanInput): Step {
  switch (input.run.phase) {
    case 'drain':
      return drain(input);
    case 'flash':
      return { kind: 'flash' };
    case 'reload':
      return reload(input);
    case 'resume':
      return resume(input);
    case 'done':
      return { kind: 'wait', say: 'done' };
  }
}

function drain(input: PlanInput): Step {
  const { facts, pods, run, now } = input;
  if (!facts.paused)
    return {
      kind: 'patch',
      change: { paused: true },
      say: 'pausing the node: its device plugin, control plane and metrics pods leave',
    };
  const leaving = podsLeavingPausedNode(pods, facts.name, input.release);
  const toEvict = consumers(pods, facts.name, undefined);
  if (leaving.length === 0 && toEvict.length === 0) return { kind: 'advance', phase: 'flash' };
  const waiting = [...leaving, ...toEvict].map(podKey).join(', ');
  if (over(input, input.limits.drainSeconds))
    return {
      kind: 'fail',
      message: `the node did not drain within ${input.limits.drainSeconds}s: ${describe(toEvict, leaving, run.evictions)}; nothing was written to the adapter`,
      unpause: true,
    };
  const due = toEvict.filter(
    (p) => !p.deleting && nextEvictionAt(run.evictions.get(p.uid), now) <= now,
  );
  const say = `draining: waiting for ${waiting}`;
  if (due.length === 0) return { kind: 'wait', say };
  return {
    kind: 'evict',
    pods: due.map((p) => ({ namespace: p.namespace, name: p.name, uid: p.uid })),
    say,
  };
}

function describe(
  toEvict: readonly PodView[],
  leaving: readonly PodView[],
  evictions: ReadonlyMap<string, EvictionRecord>,
): string {
  const servicesText = leaving.map((p) => `${podKey(p)} (the release's, leaving the paused node)`);
  return [describePods(toEvict, evictions), ...servicesText].filter((t) => t !== '').join(', ');
}

function reload(input: PlanInput): Step {
  const { facts, run } = input;
  const { onload, sfc } = facts.modules;
  const want = run.versions;
  if (over(input, input.limits.reloadSeconds))
    return {
      kind: 'fail',
      message: `KMM did not reload the driver within ${input.limits.reloadSeconds}s (stage ${run.stage}); the node stays paused: check the KMM worker pods, then set the version labels back (onload ${want.onload ?? '-'}, sfc ${want.sfc ?? '-'}) and remove the pause label`,
      unpause: false,
    };
  switch (run.stage) {
    case 'onload-out':
      if (onload.label !== undefined)
        return relabel('onload', null, 'removing the onload version label: KMM unloads onload');
      if (onload.ready) return { kind: 'wait', say: 'waiting for KMM to unload onload' };
      return {
        kind: 'advance',
        phase: 'reload',
        stage: want.sfc !== undefined ? 'sfc-out' : 'onload-in',
      };
    case 'sfc-out':
      if (sfc.label !== undefined)
        return relabel('sfc', null, 'removing the sfc version label: KMM unloads sfc');
      if (sfc.ready) return { kind: 'wait', say: 'waiting for KMM to unload sfc' };
      return { kind: 'advance', phase: 'reload', stage: 'sfc-in' };
    case 'sfc-in':
      if (sfc.label !== want.sfc)
        return relabel(
          'sfc',
          want.sfc ?? null,
          `setting the sfc version label back to ${want.sfc ?? '-'}`,
        );
      if (!sfc.ready) return { kind: 'wait', say: 'waiting for KMM to load sfc' };
      return { kind: 'advance', phase: 'reload', stage: 'onload-in' };
    case 'onload-in':
      if (onload.label !== want.onload)
        return relabel(
          'onload',
          want.onload ?? null,
          `setting the onload version label back to ${want.onload ?? '-'}`,
        );
      if (!onload.ready) return { kind: 'wait', say: 'waiting for KMM to load onload' };
      return { kind: 'advance', phase: 'resume' };
  }
}

function relabel(module: ModuleKey, version: string | null, say: string): Step {
  return { kind: 'patch', change: { versions: { [module]: version } }, say };
}

function resume(input: PlanInput): Step {
  const { facts, pods } = input;
  if (facts.paused)
    return {
      kind: 'patch',
      change: { paused: false },
      say: 'removing the pause: the device plugin comes back',
    };
  const plugin = nodeServicePods(pods, facts.name, input.release).filter(
    (p) => p.labels[componentLabel] === components.devicePlugin,
  );
  if (plugin.some((p) => p.ready && !p.deleting)) return { kind: 'advance', phase: 'done' };
  if (over(input, input.limits.resumeSeconds))
    return {
      kind: 'fail',
      message: `the device plugin was not Ready on the node within ${input.limits.resumeSeconds}s of the pause being removed (${plugin.map(podKey).join(', ') || 'no pod'}); check "kubectl get pods -n ${input.release.namespace} -o wide"`,
      unpause: false,
    };
  return { kind: 'wait', say: 'waiting for the device plugin to be Ready again' };
}

/** What an eviction call's result leaves to remember (the rollout's retry rules read it). */
export function evictionRecord(result: EvictionResult, at: number): EvictionRecord {
  switch (result.kind) {
    case 'evicted':
    case 'gone':
      return { at, outcome: 'evicted' };
    case 'blocked':
      return { at, outcome: 'blocked', budgets: result.budgets, message: result.message };
    case 'refused':
      return { at, outcome: 'refused', message: result.message };
  }
}
