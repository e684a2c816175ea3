// The rollout planner: a pure function from a snapshot and the policy to the next actions.
// It classifies every selected node from its labels, advances nodes already in the rollout one
// step, starts new ones within maxParallelUpgrades / maxUnavailable in policy order (canaries
// first), and says when the run is over and why.
import { nodeAnnotation, pausedLabel, skipLabel, stateLabel } from '../contract.ts';
import type { NodeView, PodView } from '../kube/port.ts';
import {
  formatTime,
  isInProgressState,
  readNodeFacts,
  type NodeFacts,
} from '../model/node-facts.ts';
import { checkServices, labelsAtTarget, loadedVersion } from './driver.ts';
import { advanceNode } from './node-rollout.ts';
import { upgradeOrder } from './order.ts';
import { resolveMaxUnavailable, worstCaseSeconds, type Policy } from './policy.ts';
import type {
  Action,
  FailedNode,
  NodeCategory,
  NodeReport,
  Outcome,
  RolloutPlan,
  RolloutSnapshot,
} from './types.ts';

/** Stop at a safe point when the Job deadline is this close. */
export const deadlineMarginMs = 20_000;

interface Entry {
  readonly node: NodeView;
  readonly facts: NodeFacts;
  readonly canary: boolean;
  category: NodeCategory;
  step: string;
}

export function planRollout(s: RolloutSnapshot, policy: Policy): RolloutPlan {
  const version = policy.desiredVersion;
  const superseded = checkModules(s, policy);
  if (superseded !== undefined)
    return {
      actions: [],
      reports: [],
      failures: [],
      watchPods: [],
      fetchNmc: [],
      outcome: { kind: 'superseded', message: superseded },
    };

  const { order, canaries } = upgradeOrder(s.nodes, policy);
  const byName = new Map(s.nodes.map((n) => [n.name, n]));
  // Indexed once: looking each node's pods up in the whole list made a plan O(nodes × pods).
  const releasePodsByNode = groupByNode(s.releasePods);
  const releasePodsOn = (name: string): readonly PodView[] => releasePodsByNode.get(name) ?? [];
  const entries: Entry[] = order.map((name) => {
    const node = byName.get(name) as NodeView;
    const facts = readNodeFacts(node, policy.namespace);
    const category = classify(node, facts, s, policy, releasePodsOn(name));
    return { node, facts, canary: canaries.has(name), category, step: '' };
  });

  const actions: Action[] = [];
  // Marking waiting nodes upgrade-required is for people watching; it goes after the actions
  // that move nodes, so the first node starts at once even when hundreds of nodes wait.
  const marks: Action[] = [];
  const watchPods: string[] = [];
  const fetchNmc: string[] = [];
  const failures: FailedNode[] = [];
  let wakeAt: number | undefined;
  const wake = (t: number | undefined): void => {
    if (t !== undefined) wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
  };

  for (const e of entries) {
    const { facts, node } = e;
    switch (e.category) {
      case 'active': {
        const out = advanceNode({
          policy,
          now: s.now,
          node,
          facts,
          pods: s.nodePods.get(node.name),
          releasePods: releasePodsOn(node.name),
          workerPods: s.workerPods,
          nmc: s.nmc.get(node.name),
          evictions: s.evictions,
        });
        actions.push(...out.actions);
        wake(out.wakeAt);
        if (out.needPods) watchPods.push(node.name);
        if (out.needNmc) fetchNmc.push(node.name);
        e.step = out.step;
        if (out.failure) {
          e.category = 'failed';
          failures.push(out.failure);
        } else if (out.state === 'upgrade-done') e.category = 'done';
        break;
      }
      case 'failed':
        e.step = `failed: ${facts.reason ?? 'unknown'}: ${facts.message ?? ''}`;
        failures.push({
          name: node.name,
          reason: facts.reason ?? 'Unknown',
          message: facts.message ?? '',
          ...(facts.since !== undefined ? { since: facts.since } : {}),
        });
        break;
      case 'pending':
      case 'deferred': {
        e.step =
          e.category === 'pending'
            ? `waiting for its turn (${describeLabels(facts)} → ${version})`
            : `not started: ${node.ready ? 'cordoned' : 'NotReady'} (${describeLabels(facts)} → ${version})`;
        if (facts.state !== 'upgrade-required' || facts.target !== version) {
          marks.push({
            kind: 'patch-node',
            node: node.name,
            resourceVersion: node.resourceVersion,
            labels: { [stateLabel(policy.namespace)]: 'upgrade-required' },
            annotations: {
              [nodeAnnotation(policy.namespace, 'target')]: version,
              [nodeAnnotation(policy.namespace, 'since')]: formatTime(s.now),
            },
            note: `mark upgrade-required (→ ${version})`,
          });
        }
        break;
      }
      case 'retry':
        e.step = `failed in an earlier run (${facts.reason ?? 'unknown'}); retried when a slot is free`;
        break;
      case 'skipped':
        e.step = `skipped (${skipLabel}=true)`;
        break;
      case 'waiting': {
        const check = checkServices(node, releasePodsOn(node.name), policy, version);
        e.step = !node.ready
          ? 'NotReady: not waited for'
          : node.unschedulable
            ? 'cordoned: not waited for'
            : `waiting for ${[...driverMissing(facts, policy), ...check.missing].join(', ')}`;
        break;
      }
      case 'done':
        e.step = `running onload ${version}`;
        if (facts.state !== undefined && facts.state !== 'upgrade-done') {
          actions.push({
            kind: 'patch-node',
            node: node.name,
            resourceVersion: node.resourceVersion,
            labels: { [stateLabel(policy.namespace)]: 'upgrade-done' },
            annotations: {},
            note: 'mark upgrade-done (already at the desired version)',
          });
        }
        break;
    }
  }

  // Starting nodes.
  const total = entries.length;
  const maxUnavailable = resolveMaxUnavailable(policy.maxUnavailable, total);
  const unavailable = new Set(
    entries
      .filter(
        (e) =>
          !e.node.ready ||
          e.node.unschedulable ||
          e.category === 'active' ||
          e.category === 'failed' ||
          e.category === 'retry',
      )
      .map((e) => e.node.name),
  );
  let active = entries.filter((e) => e.category === 'active').length;
  const candidates = [
    ...entries.filter((e) => e.category === 'retry'),
    ...entries.filter((e) => e.category === 'pending'),
  ];
  const canaryEntries = entries.filter((e) => e.canary && e.category !== 'skipped');
  const canariesDone = canaryEntries.every((e) => e.category === 'done');
  const stopOnFailure = policy.failurePolicy === 'Stop' && failures.length > 0;
  const deadlineClosed = s.now + worstCaseSeconds(policy.timeouts) * 1000 > s.deadlineAt;
  const nonCanaryLeft = entries.some(
    (e) =>
      !e.canary &&
      (e.category === 'pending' || e.category === 'retry' || e.category === 'deferred'),
  );
  const canaryPause =
    policy.canary.pauseAfter &&
    canaryEntries.length > 0 &&
    canariesDone &&
    nonCanaryLeft &&
    s.cr.canaryDone !== version &&
    !s.cr.paused;
  if (canaryPause) {
    actions.push({
      kind: 'pause-rollout',
      version,
      message: `canary nodes ${canaryEntries.map((e) => e.node.name).join(', ')} run onload ${version}; rollout paused (upgrade.canary.pauseAfter)`,
    });
  }
  const paused = s.cr.paused || canaryPause;
  const gateClosed = s.stopping || paused || stopOnFailure || deadlineClosed;
  let blockedBy: string | undefined;
  if (!gateClosed) {
    for (const c of candidates) {
      if (active >= policy.maxParallel) break;
      if (!c.canary && !canariesDone) {
        blockedBy = `waiting for the canary nodes: ${canaryEntries
          .filter((e) => e.category !== 'done')
          .map((e) => `${e.node.name} (${e.category})`)
          .join(', ')}`;
        break;
      }
      const counted = unavailable.has(c.node.name);
      if (!counted && unavailable.size >= maxUnavailable) {
        blockedBy = `maxUnavailable ${maxUnavailable} reached: ${[...unavailable].map((n) => describeUnavailable(n, entries)).join(', ')}`;
        break;
      }
      dropNodePatches(marks, c.node.name);
      actions.push(startAction(c, s.now, policy));
      c.step = c.category === 'retry' ? 'retrying' : 'starting';
      c.category = 'active';
      unavailable.add(c.node.name);
      watchPods.push(c.node.name);
      active++;
    }
  }

  const reports: NodeReport[] = entries.map((e) => {
    const loaded = loadedVersion(e.facts);
    return {
      name: e.node.name,
      category: e.category,
      step: e.step,
      canary: e.canary,
      ...(e.facts.state !== undefined ? { state: e.facts.state } : {}),
      ...(e.facts.since !== undefined ? { since: e.facts.since } : {}),
      ...(e.facts.reason !== undefined ? { reason: e.facts.reason } : {}),
      ...(loaded !== undefined ? { loadedVersion: loaded } : {}),
    };
  });

  const outcome = decideOutcome({
    s,
    policy,
    entries,
    failures,
    paused,
    deadlineClosed,
    blockedBy,
    onInstallWait: (t) => {
      wake(t);
    },
  });
  return {
    actions: [...actions, ...marks],
    reports,
    failures,
    watchPods: [...new Set(watchPods)],
    fetchNmc,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
  };
}

/** A started node's patch replaces the "upgrade-required" mark planned for it (same resourceVersion). */
function dropNodePatches(actions: Action[], node: string): void {
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i];
    if (a?.kind === 'patch-node' && a.node === node) actions.splice(i, 1);
  }
}

function classify(
  node: NodeView,
  facts: NodeFacts,
  s: RolloutSnapshot,
  policy: Policy,
  releasePods: readonly PodView[],
): NodeCategory {
  const failedState = facts.state === 'upgrade-failed';
  if (failedState && (facts.since ?? Number.NEGATIVE_INFINITY) >= s.runStartedAt) return 'failed';
  if (!failedState && (facts.paused || isInProgressState(facts.state))) return 'active';
  if (failedState) return facts.skip ? 'skipped' : 'retry';
  if (!labelsAtTarget(facts, policy)) {
    if (facts.skip) return 'skipped';
    return node.ready && !node.unschedulable ? 'pending' : 'deferred';
  }
  return serving(node, facts, policy, releasePods) ? 'done' : 'waiting';
}

function serving(
  node: NodeView,
  facts: NodeFacts,
  policy: Policy,
  releasePods: readonly PodView[],
): boolean {
  return (
    driverMissing(facts, policy).length === 0 &&
    checkServices(node, releasePods, policy, policy.desiredVersion).ok
  );
}

function groupByNode(pods: readonly PodView[]): Map<string, PodView[]> {
  const byNode = new Map<string, PodView[]>();
  for (const pod of pods) {
    const list = byNode.get(pod.nodeName);
    if (list) list.push(pod);
    else byNode.set(pod.nodeName, [pod]);
  }
  return byNode;
}

function driverMissing(facts: NodeFacts, policy: Policy): string[] {
  const v = policy.desiredVersion;
  const missing: string[] = [];
  const modules = policy.sfcEnabled ? (['sfc', 'onload'] as const) : (['onload'] as const);
  for (const m of modules) {
    const f = facts.modules[m];
    if (!f.ready) missing.push(`KMM to load ${m}`);
    else if (f.versionReady !== undefined && f.versionReady !== v)
      missing.push(`KMM to load ${m} ${v} (loaded: ${f.versionReady})`);
  }
  return missing;
}

function startAction(c: Entry, now: number, policy: Policy): Action {
  const ns = policy.namespace;
  const version = policy.desiredVersion;
  const retry = c.category === 'retry';
  const atTarget = labelsAtTarget(c.facts, policy);
  const state = retry && atTarget && !c.facts.paused ? 'validating' : 'stopping-device-plugin';
  return {
    kind: 'patch-node',
    node: c.node.name,
    resourceVersion: c.node.resourceVersion,
    labels: {
      [stateLabel(ns)]: state,
      ...(state === 'stopping-device-plugin' ? { [pausedLabel(ns)]: 'true' } : {}),
    },
    annotations: {
      [nodeAnnotation(ns, 'since')]: formatTime(now),
      [nodeAnnotation(ns, 'target')]: version,
      [nodeAnnotation(ns, 'reason')]: null,
      [nodeAnnotation(ns, 'message')]: null,
      [nodeAnnotation(ns, 'retried')]: null,
      ...(retry ? {} : { [nodeAnnotation(ns, 'unloaded')]: null }),
    },
    transition: {
      node: c.node.name,
      ...(c.facts.state !== undefined ? { from: c.facts.state } : {}),
      to: state,
      message: retry
        ? `retrying the upgrade to onload ${version} after an earlier failure (${c.facts.reason ?? 'unknown'})`
        : `upgrade to onload ${version} started${c.canary ? ' (canary)' : ''}: pausing the device plugin and control plane`,
      warning: false,
    },
    note: retry ? 'retry after an earlier failure' : `start the upgrade to ${version}`,
  };
}

interface OutcomeInput {
  readonly s: RolloutSnapshot;
  readonly policy: Policy;
  readonly entries: readonly Entry[];
  readonly failures: readonly FailedNode[];
  readonly paused: boolean;
  readonly deadlineClosed: boolean;
  readonly blockedBy: string | undefined;
  readonly onInstallWait: (until: number) => void;
}

function decideOutcome(o: OutcomeInput): Outcome | undefined {
  const { s, policy, entries, failures } = o;
  const inFlight = entries.filter((e) => e.category === 'active').map((e) => e.node.name);
  const left = entries.filter((e) =>
    ['pending', 'retry', 'deferred', 'failed', 'active'].includes(e.category),
  ).length;
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
    if (s.now >= s.deadlineAt - deadlineMarginMs) {
      return {
        kind: 'deadline',
        left,
        inFlight,
        message: `the hook deadline is reached while ${inFlight.join(', ')} are mid-upgrade; ${left} node(s) left; the next run resumes them`,
      };
    }
    return undefined;
  }
  const pendingNames = entries
    .filter((e) => e.category === 'pending' || e.category === 'retry' || e.category === 'deferred')
    .map((e) => e.node.name);
  if (failures.length > 0) {
    const list = failures.map((f) => `${f.name}: ${f.reason}: ${f.message}`).join('; ');
    return {
      kind: 'failed',
      failed: failures,
      left,
      message: `${failures.length} node(s) failed (${list})${
        pendingNames.length > 0 ? `; ${pendingNames.length} node(s) not upgraded` : ''
      }. Failed nodes keep their device plugin paused; fix the cause and run the upgrade again to retry them.`,
    };
  }
  if (pendingNames.length > 0) {
    if (o.paused)
      return {
        kind: 'paused',
        left: pendingNames.length,
        message: `paused, ${pendingNames.length} node(s) left; remove the annotation onload.amd.com/paused from the Onload resource and run the upgrade again to resume`,
      };
    if (o.deadlineClosed)
      return {
        kind: 'deadline',
        left: pendingNames.length,
        inFlight: [],
        message: `stopping before the hook deadline: less than one node's worst case (${worstCaseSeconds(policy.timeouts)}s) is left; ${pendingNames.length} node(s) left; run the upgrade again to continue (or raise hooks.timeoutSeconds)`,
      };
    const deferred = entries.filter((e) => e.category === 'deferred');
    const why = [
      ...(o.blockedBy !== undefined ? [o.blockedBy] : []),
      ...(deferred.length > 0
        ? [
            `${deferred.map((e) => `${e.node.name} (${e.node.ready ? 'cordoned' : 'NotReady'})`).join(', ')} not started; fix them or label them ${skipLabel}=true`,
          ]
        : []),
    ];
    return {
      kind: 'blocked',
      left: pendingNames.length,
      message: `${pendingNames.length} node(s) not upgraded: ${why.join('; ')}`,
    };
  }
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

function checkModules(s: RolloutSnapshot, policy: Policy): string | undefined {
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

function describeLabels(facts: NodeFacts): string {
  return `onload ${facts.modules.onload.label ?? 'unlabelled'}`;
}

function describeUnavailable(name: string, entries: readonly Entry[]): string {
  const e = entries.find((x) => x.node.name === name);
  if (!e) return name;
  if (!e.node.ready) return `${name} (NotReady)`;
  if (e.node.unschedulable) return `${name} (cordoned)`;
  return `${name} (${e.category === 'active' ? 'upgrading' : e.category})`;
}
