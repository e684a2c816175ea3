// The rollout planner: a pure function from a snapshot and the policy to the next actions.
// It classifies every selected node from its labels (rollout-entries.ts), advances nodes already
// in the rollout one step (rollout-steps.ts, node-rollout.ts), starts new ones within
// maxParallelUpgrades / maxUnavailable in policy order, canaries first (rollout-start.ts), and says
// when the run is over and why (rollout-outcome.ts).
import { loadedVersion } from './driver.ts';
import type { Policy } from './policy.ts';
import { nodeEntries, type Entry } from './rollout-entries.ts';
import { decideOutcome, supersededBy } from './rollout-outcome.ts';
import { startNodes } from './rollout-start.ts';
import { PlanParts, stepNodes } from './rollout-steps.ts';
import type { NodeReport, RolloutPlan, RolloutSnapshot } from './types.ts';

export function planRollout(s: RolloutSnapshot, policy: Policy): RolloutPlan {
  const superseded = supersededBy(s, policy);
  if (superseded !== undefined)
    return {
      actions: [],
      reports: [],
      failures: [],
      watchPods: [],
      fetchNmc: [],
      outcome: { kind: 'superseded', message: superseded },
    };
  const nodes = nodeEntries(s, policy);
  const parts = new PlanParts();
  stepNodes(s, policy, nodes, parts);
  const gate = startNodes(s, policy, nodes.entries, parts);
  const reports = nodes.entries.map(report);
  const outcome = decideOutcome({
    s,
    policy,
    entries: nodes.entries,
    failures: parts.failures,
    gate,
    onInstallWait: (t) => {
      parts.wake(t);
    },
  });
  return {
    actions: [...parts.actions, ...parts.marks],
    reports,
    failures: parts.failures,
    watchPods: [...new Set(parts.watchPods)],
    fetchNmc: parts.fetchNmc,
    ...(parts.wakeAt !== undefined ? { wakeAt: parts.wakeAt } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
  };
}

function report(e: Entry): NodeReport {
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
}
