// The Onload CR's status, computed from a plan: phase, versions, node counts, failed nodes,
// the rollout record and the Ready / Progressing / Degraded conditions.
import type { OnloadStatus, OnloadStatusConditionsItem } from '../../generated/onload-types.ts';
import { formatTime } from '../model/node-facts.ts';
import type { NodeReport, Outcome, RolloutPlan } from './types.ts';

export interface RolloutRecord {
  readonly fromVersion?: string;
  readonly toVersion: string;
  readonly startedAt: number;
}

export interface StatusInput {
  readonly now: number;
  readonly desiredVersion: string;
  readonly generation: number;
  readonly plan: Pick<RolloutPlan, 'reports' | 'failures' | 'outcome'>;
  readonly previous?: OnloadStatus;
  /** Set when this run is (or continues) a rollout; undefined for an install-only wait. */
  readonly rollout?: RolloutRecord;
  /** One line of progress for the Progressing condition. */
  readonly progress: string;
}

type Phase = NonNullable<OnloadStatus['phase']>;

export function computeStatus(input: StatusInput): OnloadStatus {
  const { reports, failures, outcome } = input.plan;
  const count = (c: NodeReport['category'] | readonly NodeReport['category'][]): number =>
    reports.filter((r) => (typeof c === 'string' ? r.category === c : c.includes(r.category)))
      .length;
  const versions: Record<string, number> = {};
  for (const r of reports)
    if (r.loadedVersion !== undefined)
      versions[r.loadedVersion] = (versions[r.loadedVersion] ?? 0) + 1;
  const phase = phaseOf(reports, outcome);
  const degraded = failures.length > 0 || (outcome !== undefined && isFailure(outcome));
  const stamp = formatTime(input.now);
  const conditions = mergeConditions(input.previous?.conditions ?? [], stamp, input.generation, [
    {
      type: 'Ready',
      status: phase === 'Ready' ? 'True' : 'False',
      reason: phase === 'Ready' ? 'AllNodesUpToDate' : phase,
      message:
        phase === 'Ready'
          ? `every selected node runs onload ${input.desiredVersion}`
          : `${count('done')}/${reports.length} node(s) run onload ${input.desiredVersion}`,
    },
    {
      type: 'Progressing',
      status: phase === 'Upgrading' || phase === 'Installing' ? 'True' : 'False',
      reason:
        phase === 'Upgrading' || phase === 'Installing'
          ? phase
          : outcome
            ? reasonOf(outcome)
            : 'Idle',
      message: outcome ? outcome.message : input.progress,
    },
    {
      type: 'Degraded',
      status: degraded ? 'True' : 'False',
      reason: degraded
        ? outcome && isFailure(outcome)
          ? reasonOf(outcome)
          : 'NodesFailed'
        : 'AsExpected',
      message: degraded
        ? outcome && isFailure(outcome)
          ? outcome.message
          : failures.map((f) => `${f.name}: ${f.reason}`).join('; ')
        : 'no failed nodes',
    },
  ]);
  const previousRollout = input.previous?.rollout;
  const rollout =
    input.rollout === undefined
      ? previousRollout
      : {
          ...(input.rollout.fromVersion !== undefined
            ? { fromVersion: input.rollout.fromVersion }
            : {}),
          toVersion: input.rollout.toVersion,
          startedAt: formatTime(input.rollout.startedAt),
          ...(outcome?.kind === 'complete' ? { finishedAt: stamp } : {}),
          message: outcome ? outcome.message : input.progress,
        };
  return {
    observedGeneration: input.generation,
    phase,
    desiredVersion: input.desiredVersion,
    versions,
    nodes: {
      total: reports.length,
      upToDate: count('done'),
      upgrading: count('active'),
      pending: count(['pending', 'retry', 'deferred', 'waiting']),
      failed: count('failed'),
      skipped: count('skipped'),
    },
    failedNodes: failures.map((f) => ({
      name: f.name,
      reason: f.reason,
      message: f.message,
      ...(f.since !== undefined ? { since: formatTime(f.since) } : {}),
    })),
    ...(rollout !== undefined ? { rollout } : {}),
    conditions,
  };
}

function phaseOf(reports: readonly NodeReport[], outcome: Outcome | undefined): Phase {
  if (outcome !== undefined) {
    switch (outcome.kind) {
      case 'complete':
        return 'Ready';
      case 'paused':
        return 'Paused';
      case 'failed':
      case 'blocked':
      case 'install-timeout':
      case 'superseded':
        return 'Failed';
      case 'deadline':
      case 'stopped':
        return 'Upgrading';
    }
  }
  if (
    reports.some((r) => ['active', 'pending', 'retry', 'deferred', 'failed'].includes(r.category))
  )
    return 'Upgrading';
  return 'Installing';
}

function isFailure(outcome: Outcome): boolean {
  return ['failed', 'blocked', 'install-timeout', 'superseded'].includes(outcome.kind);
}

function reasonOf(outcome: Outcome): string {
  const names: Record<Outcome['kind'], string> = {
    complete: 'RolloutComplete',
    paused: 'RolloutPaused',
    deadline: 'HookDeadline',
    stopped: 'HookStopped',
    failed: 'NodesFailed',
    blocked: 'RolloutBlocked',
    superseded: 'ModuleChanged',
    'install-timeout': 'InstallTimeout',
  };
  return names[outcome.kind];
}

type Condition = Omit<OnloadStatusConditionsItem, 'lastTransitionTime' | 'observedGeneration'>;

function mergeConditions(
  previous: readonly OnloadStatusConditionsItem[],
  stamp: string,
  generation: number,
  next: readonly Condition[],
): OnloadStatusConditionsItem[] {
  return next.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : stamp;
    return {
      ...c,
      message: c.message.slice(0, 32_000),
      lastTransitionTime,
      observedGeneration: generation,
    };
  });
}

/** Whether two statuses differ in anything but timestamps (to skip redundant writes). */
export function sameStatus(a: OnloadStatus | undefined, b: OnloadStatus): boolean {
  if (a === undefined) return false;
  const strip = (s: OnloadStatus): unknown => ({
    ...s,
    rollout: s.rollout ? { ...s.rollout, message: '' } : undefined,
    conditions: s.conditions?.map((c) => ({
      ...c,
      lastTransitionTime: '',
      message: c.type === 'Progressing' ? '' : c.message,
    })),
  });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
