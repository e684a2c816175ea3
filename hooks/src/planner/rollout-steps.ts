// What the rollout does with each node this round, by category: advance the nodes in progress one
// step (node-rollout.ts), record failures, mark waiting nodes, and say what each node is doing.
import { skipLabel } from '../contract.ts';
import { nodeServicePods } from '../model/pods.ts';
import { checkServices, driverMissing } from './driver.ts';
import { nextStuckAt } from './init-step.ts';
import { advanceNode } from './node-rollout.ts';
import type { Policy } from './policy.ts';
import { describeLabels, type Entries, type Entry } from './rollout-entries.ts';
import type { Action, FailedNode, RolloutSnapshot } from './types.ts';

/** What a round of planning collects. */
export class PlanParts {
  readonly actions: Action[] = [];
  /**
   * Marking waiting nodes upgrade-required is for people watching; it goes after the actions
   * that move nodes, so the first node starts at once even when hundreds of nodes wait.
   */
  readonly marks: Action[] = [];
  readonly watchPods: string[] = [];
  readonly fetchNmc: string[] = [];
  readonly failures: FailedNode[] = [];
  wakeAt: number | undefined;

  wake(t: number | undefined): void {
    if (t !== undefined) this.wakeAt = this.wakeAt === undefined ? t : Math.min(this.wakeAt, t);
  }

  /** A started node's patch replaces the "upgrade-required" mark planned for it. */
  dropMarks(node: string): void {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const a = this.marks[i];
      if (a?.kind === 'patch-node' && a.node === node) this.marks.splice(i, 1);
    }
  }
}

interface Round {
  readonly s: RolloutSnapshot;
  readonly policy: Policy;
  readonly nodes: Entries;
  readonly parts: PlanParts;
}

export function stepNodes(
  s: RolloutSnapshot,
  policy: Policy,
  nodes: Entries,
  parts: PlanParts,
): void {
  const round: Round = { s, policy, nodes, parts };
  for (const e of nodes.entries) {
    switch (e.category) {
      case 'active':
        advance(round, e);
        break;
      case 'failed':
        failedEarlier(round, e);
        break;
      case 'pending':
      case 'deferred':
        waitTurn(round, e);
        break;
      case 'retry':
        e.step = `failed in an earlier run (${e.facts.reason ?? 'unknown'}); retried when a slot is free`;
        break;
      case 'skipped':
        e.step = `skipped (${skipLabel}=true)`;
        break;
      case 'waiting':
        waitServing(round, e);
        break;
      case 'done':
        done(round, e);
        break;
    }
  }
}

function advance({ s, policy, nodes, parts }: Round, e: Entry): void {
  const { node, facts } = e;
  const out = advanceNode({
    policy,
    now: s.now,
    node,
    facts,
    pods: s.nodePods.get(node.name),
    releasePods: nodes.releasePodsOn(node.name),
    workerPods: s.workerPods,
    nmc: s.nmc.get(node.name),
    evictions: s.evictions,
  });
  parts.actions.push(...out.actions);
  parts.wake(out.wakeAt);
  if (out.needPods) parts.watchPods.push(node.name);
  if (out.needNmc) parts.fetchNmc.push(node.name);
  e.step = out.step;
  if (out.failure) {
    e.category = 'failed';
    parts.failures.push(out.failure);
  } else if (out.state === 'upgrade-done') e.category = 'done';
}

function failedEarlier({ parts }: Round, e: Entry): void {
  const { facts, node } = e;
  e.step = `failed: ${facts.reason ?? 'unknown'}: ${facts.message ?? ''}`;
  parts.failures.push({
    name: node.name,
    reason: facts.reason ?? 'Unknown',
    message: facts.message ?? '',
    ...(facts.since !== undefined ? { since: facts.since } : {}),
  });
}

function waitTurn({ s, policy, parts }: Round, e: Entry): void {
  const { facts, node } = e;
  const version = policy.desiredVersion;
  e.step =
    e.category === 'pending'
      ? `waiting for its turn (${describeLabels(facts)} → ${version})`
      : `not started: ${node.ready ? 'cordoned' : 'NotReady'} (${describeLabels(facts)} → ${version})`;
  if (facts.state === 'upgrade-required' && facts.target === version) return;
  parts.marks.push({
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    change: { state: 'upgrade-required', target: version, since: s.now },
    note: `mark upgrade-required (→ ${version})`,
  });
}

function waitServing({ s, policy, nodes, parts }: Round, e: Entry): void {
  const { facts, node } = e;
  const driver = driverMissing(facts, policy);
  // The pods start only where KMM reports the driver loaded (their node affinity).
  const driverLoaded = driver.length === 0 ? { now: s.now } : undefined;
  const pods = nodes.releasePodsOn(node.name);
  const check = checkServices(node, pods, policy, policy.desiredVersion, driverLoaded);
  if (driverLoaded) parts.wake(nextStuckAt(nodeServicePods(pods, node.name, policy), driverLoaded));
  e.step = !node.ready
    ? 'NotReady: not waited for'
    : node.unschedulable
      ? 'cordoned: not waited for'
      : `waiting for ${[...driver, ...check.missing].join(', ')}`;
}

function done({ policy, parts }: Round, e: Entry): void {
  const { facts, node } = e;
  e.step = `running onload ${policy.desiredVersion}`;
  if (facts.state === undefined || facts.state === 'upgrade-done') return;
  parts.actions.push({
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    change: { state: 'upgrade-done' },
    note: 'mark upgrade-done (already at the desired version)',
  });
}
