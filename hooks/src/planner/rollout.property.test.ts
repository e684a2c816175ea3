// Property-based invariants of the planner, driven against the in-memory cluster (testing/sim.ts):
// whatever the nodes, budgets and policy, the rollout never breaks its safety rules, and a healthy
// cluster always ends with every node on the new version.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expanded, policy } from '../testing/fixtures.ts';
import { Sim, type SimNode } from '../testing/sim.ts';
import { isInProgress, pausedKey, simView } from '../testing/sim-model.ts';
import { planRollout } from './rollout.ts';
import type { Action, RolloutPlan } from './types.ts';

interface Scenario {
  readonly nodes: readonly SimNode[];
  readonly maxParallel: number;
  readonly maxUnavailable: number | string;
  readonly sfcEnabled: boolean;
  readonly versionReady: boolean;
  readonly canaryNames: readonly string[];
  readonly skip: readonly string[];
  readonly failurePolicy: 'Stop' | 'Continue';
  readonly pauseAfter: boolean;
  readonly paused: boolean;
  readonly tickMs: number;
  /** Plan iterations after which the run is killed and a new one starts. */
  readonly restarts: readonly number[];
}

const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];

function scenario(faults: boolean): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 1, max: 6 }).chain((count) => {
    const nodeNames = names.slice(0, count);
    const node = (name: string): fc.Arbitrary<SimNode> =>
      fc.record({
        name: fc.constant(name),
        consumers: fc.integer({ min: 0, max: 2 }),
        refusals: fc.integer({ min: 0, max: 2 }),
        ready: faults ? fc.integer({ min: 0, max: 5 }).map((x) => x !== 0) : fc.constant(true),
        brokenDriver: faults
          ? fc.integer({ min: 0, max: 4 }).map((x) => x === 0)
          : fc.constant(false),
      });
    return fc.record({
      nodes: fc.tuple(...nodeNames.map(node)),
      maxParallel: fc.integer({ min: 1, max: 3 }),
      maxUnavailable: fc.oneof(
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('10%', '25%', '50%', '100%'),
      ),
      sfcEnabled: fc.boolean(),
      versionReady: fc.boolean(),
      canaryNames: fc.shuffledSubarray(nodeNames, { maxLength: Math.min(2, count) }),
      skip: faults ? fc.subarray(nodeNames, { maxLength: 1 }) : fc.constant([]),
      failurePolicy: fc.constantFrom('Stop' as const, 'Continue' as const),
      pauseAfter: faults ? fc.boolean() : fc.constant(false),
      paused: faults ? fc.integer({ min: 0, max: 5 }).map((x) => x === 0) : fc.constant(false),
      tickMs: fc.integer({ min: 500, max: 20_000 }),
      restarts: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }),
    });
  });
}

interface RunResult {
  readonly sim: Sim;
  readonly last: RolloutPlan;
  readonly problems: string[];
}

function run(sc: Scenario): RunResult {
  const skipLabels = { 'onload.amd.com/upgrade-skip': 'true' };
  const nodes = sc.nodes.map((n) => (sc.skip.includes(n.name) ? { ...n, labels: skipLabels } : n));
  const p = policy({
    maxParallel: sc.maxParallel,
    maxUnavailable: sc.maxUnavailable,
    sfcEnabled: sc.sfcEnabled,
    canaryNames: sc.canaryNames,
    failurePolicy: sc.failurePolicy,
    pauseAfter: sc.pauseAfter,
  });
  const sim = new Sim({
    nodes,
    from: 'v1',
    policy: p,
    versionReady: sc.versionReady,
    paused: sc.paused,
  });
  const problems: string[] = [];
  let failedSeen = false;
  let last: RolloutPlan | undefined;
  for (let i = 0; i < 800; i++) {
    // A new run (the hook killed and rerun) retries failed nodes: a failure of the previous run
    // does not forbid starts in this one.
    if (sc.restarts.includes(i)) {
      sim.restart();
      failedSeen = false;
    }
    const plan = planRollout(sim.snapshot(), p);
    last = plan;
    const starts = plan.actions.filter(isStart);
    if (failedSeen && p.failurePolicy === 'Stop' && starts.length > 0)
      problems.push(`started ${starts.map((s) => s.node).join(',')} after a failure under Stop`);
    for (const s of starts) {
      if (sc.canaryNames.includes(s.node)) continue;
      const unfinished = sc.canaryNames.filter((c) => {
        if (sc.skip.includes(c)) return false;
        const n = sim.nodes.get(c);
        const doneNow = plan.reports.find((r) => r.name === c)?.category === 'done';
        return !doneNow && (n === undefined || simView(n).state !== 'upgrade-done');
      });
      if (unfinished.length > 0)
        problems.push(`${s.node} started before canaries ${unfinished.join(',')} were done`);
    }
    if (plan.failures.length > 0) failedSeen = true;
    sim.apply(plan.actions);
    if (plan.outcome) break;
    sim.tick(sc.tickMs);
  }
  return { sim, last: last as RolloutPlan, problems };
}

function isStart(a: Action): a is Extract<Action, { kind: 'patch-node' }> {
  return (
    a.kind === 'patch-node' &&
    expanded([a]).some((e) => e.kind === 'patch-node' && e.labels[pausedKey] === 'true') &&
    !isInProgress(a.transition?.from)
  );
}

describe('rollout invariants (property-based)', () => {
  it('never breaks a safety rule, whatever the nodes, budgets, faults and policy', () => {
    fc.assert(
      fc.property(scenario(true), (sc) => {
        const { sim, problems } = run(sc);
        expect([...sim.violations, ...problems]).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('brings every node of a healthy cluster to the new version, canaries first', () => {
    fc.assert(
      fc.property(scenario(false), (sc) => {
        const { sim, last, problems } = run(sc);
        expect([...sim.violations, ...problems]).toEqual([]);
        expect(last.outcome?.kind).toBe('complete');
        for (const n of sim.nodes.values()) {
          const view = simView(n);
          expect(view.version).toEqual({ onload: 'v2', sfc: sc.sfcEnabled ? 'v2' : undefined });
          expect(view.paused).toBe(false);
          expect(view.state).toBe('upgrade-done');
        }
        expect(sim.startOrder.slice(0, sc.canaryNames.length)).toEqual([...sc.canaryNames]);
      }),
      { numRuns: 150 },
    );
  });
});
