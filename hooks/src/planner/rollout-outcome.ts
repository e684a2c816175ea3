// When a rollout run is over, and why: superseded by a Module change, stopped, out of time,
// failed, paused, blocked, install wait timed out, or complete. Undefined: keep going.
import { skipLabel } from '../contract.ts';
import { loadedVersion } from './driver.ts';
import { worstCaseSeconds, type Policy } from './policy.ts';
import { isLeft, type Entry } from './rollout-entries.ts';
import type { Gate } from './rollout-start.ts';
import type { FailedNode, Outcome, RolloutSnapshot } from './types.ts';

/** Stop at a safe point when the Job deadline is this close. */
export const deadlineMarginMs = 20_000;
/** Nodes named in an out-of-time message; the rest are counted. */
const maxNodesNamed = 20;

export interface OutcomeInput {
  readonly s: RolloutSnapshot;
  readonly policy: Policy;
  readonly entries: readonly Entry[];
  readonly failures: readonly FailedNode[];
  readonly gate: Gate;
  /** Called with the end of the install wait while it lasts. */
  readonly onInstallWait: (until: number) => void;
}

export function decideOutcome(o: OutcomeInput): Outcome | undefined {
  const { s, entries, failures } = o;
  const inFlight = entries.filter((e) => e.category === 'active').map((e) => e.node.name);
  const left = nodesLeft(entries).length;
  if (s.stopping) {
    return {
      kind: 'stopped',
      left,
      message: `stopped on SIGTERM at a safe point; ${left} node(s) left${
        inFlight.length > 0 ? ` (mid-upgrade: ${inFlight.join(', ')})` : ''
      }; the next run resumes`,
    };
  }
  if (inFlight.length > 0) {
    if (s.now < s.deadlineAt - deadlineMarginMs) return undefined;
    return {
      kind: 'deadline',
      left,
      inFlight,
      message: `out of time: the hook deadline is reached while ${inFlight.join(', ')} are mid-upgrade; ${left} node(s) left: ${describeNodesLeft(o)}; run the upgrade again to resume them (or raise hooks.timeoutSeconds)`,
    };
  }
  const pending = entries.filter(isLeft).map((e) => e.node.name);
  if (failures.length > 0) return failedOutcome(failures, left, pending.length);
  if (pending.length > 0) return notUpgradedOutcome(o, pending.length);
  return installOutcome(o);
}

/** Nodes this run has not brought to the desired version: not started, failed or mid-upgrade. */
function nodesLeft(entries: readonly Entry[]): Entry[] {
  return entries.filter((e) => isLeft(e) || e.category === 'failed' || e.category === 'active');
}

/** The nodes not at the desired version yet, each with the version it runs and the one it needs. */
function describeNodesLeft(o: OutcomeInput): string {
  const wanted = o.policy.desiredVersion;
  const left = nodesLeft(o.entries);
  const named = left.slice(0, maxNodesNamed).map((e) => {
    const current = loadedVersion(e.facts);
    return `${e.node.name} (runs ${current === undefined ? 'no onload' : `onload ${current}`}, wants ${wanted})`;
  });
  const more = left.length - named.length;
  return [...named, ...(more > 0 ? [`and ${more} more`] : [])].join(', ');
}

function failedOutcome(failures: readonly FailedNode[], left: number, pending: number): Outcome {
  const list = failures.map((f) => `${f.name}: ${f.reason}: ${f.message}`).join('; ');
  return {
    kind: 'failed',
    failed: failures,
    left,
    message: `${failures.length} node(s) failed (${list})${
      pending > 0 ? `; ${pending} node(s) not upgraded` : ''
    }. Failed nodes keep their device plugin paused; fix the cause and run the upgrade again to retry them.`,
  };
}

function notUpgradedOutcome(o: OutcomeInput, left: number): Outcome {
  if (o.gate.paused)
    return {
      kind: 'paused',
      left,
      message: `paused, ${left} node(s) left; remove the annotation onload.amd.com/paused from the Onload resource and run the upgrade again to resume`,
    };
  if (o.gate.deadlineClosed)
    return {
      kind: 'deadline',
      left,
      inFlight: [],
      message: `out of time: less than one node's worst case (${worstCaseSeconds(o.policy.timeouts)}s) is left before the hook deadline; ${left} node(s) left: ${describeNodesLeft(o)}; run the upgrade again to continue (or raise hooks.timeoutSeconds)`,
    };
  const deferred = o.entries.filter((e) => e.category === 'deferred');
  const why = [
    ...(o.gate.blockedBy !== undefined ? [o.gate.blockedBy] : []),
    ...(deferred.length > 0
      ? [
          `${deferred.map((e) => `${e.node.name} (${e.node.ready ? 'cordoned' : 'NotReady'})`).join(', ')} not started; fix them or label them ${skipLabel}=true`,
        ]
      : []),
  ];
  return { kind: 'blocked', left, message: `${left} node(s) not upgraded: ${why.join('; ')}` };
}

/** Nothing to upgrade: wait (bounded) until every Ready, schedulable node serves. */
function installOutcome(o: OutcomeInput): Outcome | undefined {
  const { s, policy, entries } = o;
  const waiting = entries.filter(
    (e) => e.category === 'waiting' && e.node.ready && !e.node.unschedulable,
  );
  if (waiting.length > 0) {
    const until = s.runStartedAt + policy.timeouts.installSeconds * 1000;
    if (s.now < until) {
      o.onInstallWait(until);
      return undefined;
    }
    return {
      kind: 'install-timeout',
      message: `${waiting.length} node(s) not serving onload ${policy.desiredVersion} after ${policy.timeouts.installSeconds}s: ${waiting
        .map((e) => `${e.node.name}: ${e.step}`)
        .join('; ')}`,
    };
  }
  const done = entries.filter((e) => e.category === 'done').length;
  return {
    kind: 'complete',
    message: `${done}/${entries.length} node(s) run onload ${policy.desiredVersion}`,
  };
}

/** Why the Modules no longer match this run's version (a newer release), or undefined. */
export function supersededBy(s: RolloutSnapshot, policy: Policy): string | undefined {
  const v = policy.desiredVersion;
  const describe = (name: string, version: string | undefined, exists: boolean): string =>
    exists
      ? `the KMM Module ${policy.namespace}/${name} has version ${version ?? '(none)'}, not ${v}`
      : `the KMM Module ${policy.namespace}/${name} does not exist`;
  const problems: string[] = [];
  if (s.modules.onload?.version !== v)
    problems.push(describe('onload', s.modules.onload?.version, !!s.modules.onload));
  if (policy.sfcEnabled && s.modules.sfc?.version !== v)
    problems.push(describe('sfc', s.modules.sfc?.version, !!s.modules.sfc));
  if (problems.length === 0) return undefined;
  return `${problems.join('; ')}: a newer release changed it or the chart was not applied; nothing was touched`;
}
