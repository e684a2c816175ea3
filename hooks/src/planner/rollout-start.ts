// Starting nodes: retries first, then pending nodes in policy order, canaries before the rest,
// within maxParallelUpgrades and maxUnavailable, unless the rollout is paused, stopping, stopped
// by a failure or too close to the Job deadline for one more node.
import { labelsAtTarget } from './driver.ts';
import { resolveMaxUnavailable, worstCaseSeconds, type Policy } from './policy.ts';
import { isLeft, type Entry } from './rollout-entries.ts';
import type { PlanParts } from './rollout-steps.ts';
import type { Action, RolloutSnapshot } from './types.ts';

export interface Gate {
  /** Paused by the Onload resource's annotation or by the canaries finishing now. */
  readonly paused: boolean;
  /** Less than one node's worst case left before the Job deadline. */
  readonly deadlineClosed: boolean;
  /** Why a pending node could not start, when one could not. */
  readonly blockedBy?: string;
}

export function startNodes(
  s: RolloutSnapshot,
  policy: Policy,
  entries: readonly Entry[],
  parts: PlanParts,
): Gate {
  const canaries = entries.filter((e) => e.canary && e.category !== 'skipped');
  const canariesDone = canaries.every((e) => e.category === 'done');
  const canaryPause = pauseAfterCanaries(s, policy, entries, canaries, canariesDone);
  if (canaryPause) {
    parts.actions.push({
      kind: 'pause-rollout',
      version: policy.desiredVersion,
      message: `canary nodes ${canaries.map((e) => e.node.name).join(', ')} run onload ${policy.desiredVersion}; rollout paused (upgrade.canary.pauseAfter)`,
    });
  }
  const paused = s.cr.paused || canaryPause;
  const deadlineClosed = s.now + worstCaseSeconds(policy.timeouts) * 1000 > s.deadlineAt;
  const stopOnFailure = policy.failurePolicy === 'Stop' && parts.failures.length > 0;
  if (s.stopping || paused || stopOnFailure || deadlineClosed) return { paused, deadlineClosed };
  const blockedBy = startWithinBudget(s, policy, entries, parts, canariesDone ? [] : canaries);
  return { paused, deadlineClosed, ...(blockedBy !== undefined ? { blockedBy } : {}) };
}

function pauseAfterCanaries(
  s: RolloutSnapshot,
  policy: Policy,
  entries: readonly Entry[],
  canaries: readonly Entry[],
  canariesDone: boolean,
): boolean {
  const nonCanaryLeft = entries.some((e) => !e.canary && isLeft(e));
  return (
    policy.canary.pauseAfter &&
    canaries.length > 0 &&
    canariesDone &&
    nonCanaryLeft &&
    s.cr.canaryDone !== policy.desiredVersion &&
    !s.cr.paused
  );
}

/** Starts candidates until a limit is reached; returns why the next one could not start. */
function startWithinBudget(
  s: RolloutSnapshot,
  policy: Policy,
  entries: readonly Entry[],
  parts: PlanParts,
  canariesLeft: readonly Entry[],
): string | undefined {
  const maxUnavailable = resolveMaxUnavailable(policy.maxUnavailable, entries.length);
  const unavailable = new Set(entries.filter(isUnavailable).map((e) => e.node.name));
  let active = entries.filter((e) => e.category === 'active').length;
  const candidates = [
    ...entries.filter((e) => e.category === 'retry'),
    ...entries.filter((e) => e.category === 'pending'),
  ];
  for (const c of candidates) {
    if (active >= policy.maxParallel) return undefined;
    if (!c.canary && canariesLeft.length > 0) {
      return `waiting for the canary nodes: ${canariesLeft
        .filter((e) => e.category !== 'done')
        .map((e) => `${e.node.name} (${e.category})`)
        .join(', ')}`;
    }
    if (!unavailable.has(c.node.name) && unavailable.size >= maxUnavailable) {
      return `maxUnavailable ${maxUnavailable} reached: ${[...unavailable].map((n) => describeUnavailable(n, entries)).join(', ')}`;
    }
    parts.dropMarks(c.node.name);
    parts.actions.push(startAction(c, s.now, policy));
    c.step = c.category === 'retry' ? 'retrying' : 'starting';
    c.category = 'active';
    unavailable.add(c.node.name);
    parts.watchPods.push(c.node.name);
    active++;
  }
  return undefined;
}

function isUnavailable(e: Entry): boolean {
  return (
    !e.node.ready ||
    e.node.unschedulable ||
    e.category === 'active' ||
    e.category === 'failed' ||
    e.category === 'retry'
  );
}

function startAction(c: Entry, now: number, policy: Policy): Action {
  const version = policy.desiredVersion;
  const retry = c.category === 'retry';
  const atTarget = labelsAtTarget(c.facts, policy);
  const state = retry && atTarget && !c.facts.paused ? 'validating' : 'stopping-device-plugin';
  return {
    kind: 'patch-node',
    node: c.node.name,
    resourceVersion: c.node.resourceVersion,
    change: {
      state,
      ...(state === 'stopping-device-plugin' ? { paused: true } : {}),
      since: now,
      target: version,
      failure: null,
      retried: null,
      ...(retry ? {} : { unloaded: null }),
    },
    transition: {
      node: c.node.name,
      ...(c.facts.state !== undefined ? { from: c.facts.state } : {}),
      to: state,
      message: retry
        ? `retrying the upgrade to onload ${version} after an earlier failure (${c.facts.reason ?? 'unknown'})`
        : `upgrade to onload ${version} started${c.canary ? ' (canary)' : ''}: pausing the device plugin and control plane`,
      warning: false,
      ...(c.canary ? { canary: true } : {}),
    },
    note: retry ? 'retry after an earlier failure' : `start the upgrade to ${version}`,
  };
}

function describeUnavailable(name: string, entries: readonly Entry[]): string {
  const e = entries.find((x) => x.node.name === name);
  if (!e) return name;
  if (!e.node.ready) return `${name} (NotReady)`;
  if (e.node.unschedulable) return `${name} (cordoned)`;
  return `${name} (${e.category === 'active' ? 'upgrading' : e.category})`;
}
