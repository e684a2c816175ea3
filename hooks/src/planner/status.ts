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
  /** Set when the selector matches no node: why nothing gets Onload (noNodesSelectedMessage). */
  readonly noNodesSelected?: string;
}

type Phase = NonNullable<OnloadStatus['phase']>;

export function computeStatus(input: StatusInput): OnloadStatus {
  const { reports, failures, outcome } = input.plan;
  const versions: Record<string, number> = {};
  for (const r of reports)
    if (r.loadedVersion !== undefined)
      versions[r.loadedVersion] = (versions[r.loadedVersion] ?? 0) + 1;
  const phase = phaseWithoutNodes(input, phaseOf(reports, outcome));
  const stamp = formatTime(input.now);
  const conditions = mergeConditions(
    input.previous?.conditions ?? [],
    stamp,
    input.generation,
    conditionsOf(input, phase),
  );
  const rollout = rolloutOf(input, stamp);
  return {
    observedGeneration: input.generation,
    phase,
    desiredVersion: input.desiredVersion,
    versions,
    nodes: {
      total: reports.length,
      upToDate: count(reports, 'done'),
      upgrading: count(reports, 'active'),
      pending: count(reports, ['pending', 'retry', 'deferred', 'waiting']),
      failed: count(reports, 'failed'),
      skipped: count(reports, 'skipped'),
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

function count(
  reports: readonly NodeReport[],
  c: NodeReport['category'] | readonly NodeReport['category'][],
): number {
  return reports.filter((r) => (typeof c === 'string' ? r.category === c : c.includes(r.category)))
    .length;
}

/** With no node selected nothing is ready: still installing, waiting for nodes to select. */
function phaseWithoutNodes(input: StatusInput, phase: Phase): Phase {
  return input.noNodesSelected !== undefined && phase === 'Ready' ? 'Installing' : phase;
}

/** Ready and Degraded say NoNodesSelected, loudly, while the selector matches no node. */
function conditionsOf(input: StatusInput, phase: Phase): Condition[] {
  const conditions = rolloutConditions(input, phase);
  const why = input.noNodesSelected;
  if (why === undefined) return conditions;
  return conditions.map((c) =>
    c.type === 'Progressing'
      ? c
      : {
          type: c.type,
          status: c.type === 'Ready' ? 'False' : 'True',
          reason: 'NoNodesSelected',
          message: why,
        },
  );
}

function rolloutConditions(input: StatusInput, phase: Phase): Condition[] {
  const { reports, failures, outcome } = input.plan;
  const failedOutcome = outcome !== undefined && isFailure(outcome) ? outcome : undefined;
  const degraded = failures.length > 0 || failedOutcome !== undefined;
  const progressing = phase === 'Upgrading' || phase === 'Installing';
  return [
    {
      type: 'Ready',
      status: phase === 'Ready' ? 'True' : 'False',
      reason: phase === 'Ready' ? 'AllNodesUpToDate' : phase,
      message:
        phase === 'Ready'
          ? `every selected node runs onload ${input.desiredVersion}`
          : `${count(reports, 'done')}/${reports.length} node(s) run onload ${input.desiredVersion}`,
    },
    {
      type: 'Progressing',
      status: progressing ? 'True' : 'False',
      reason: progressing ? phase : outcome ? reasonOf(outcome) : 'Idle',
      message: outcome ? outcome.message : input.progress,
    },
    {
      type: 'Degraded',
      status: degraded ? 'True' : 'False',
      reason: !degraded ? 'AsExpected' : failedOutcome ? reasonOf(failedOutcome) : 'NodesFailed',
      message: !degraded
        ? 'no failed nodes'
        : failedOutcome
          ? failedOutcome.message
          : failures.map((f) => `${f.name}: ${f.reason}`).join('; '),
    },
  ];
}

function rolloutOf(input: StatusInput, stamp: string): OnloadStatus['rollout'] {
  const { outcome } = input.plan;
  if (input.rollout === undefined) return input.previous?.rollout;
  return {
    ...(input.rollout.fromVersion !== undefined ? { fromVersion: input.rollout.fromVersion } : {}),
    toVersion: input.rollout.toVersion,
    startedAt: formatTime(input.rollout.startedAt),
    ...(outcome?.kind === 'complete' ? { finishedAt: stamp } : {}),
    message: outcome ? outcome.message : input.progress,
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
