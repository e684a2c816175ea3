// pre-delete (Argo CD PreDelete): nothing may break silently when the driver goes. Every node
// with Onload is paused, every pod using Onload is evicted through the Eviction API (budgets
// honoured, bounded, loudly; none at all when a budget would refuse one), and KMM unloads the
// modules while the Modules and their ServiceAccount still exist (planner/drain.ts). Then the
// release is cleaned up (uninstall-cleanup.ts): the labeller stopped, the nodes left clean.
import { kmmVersionLabel, moduleNames, rolloutLeaseName } from '../contract.ts';
import type { NodeView, PodView } from '../kube/port.ts';
import { readNodeFacts, type NodeFacts } from '../model/node-facts.ts';
import { podKey } from '../model/pods.ts';
import { planDrain, planRestore } from '../planner/drain.ts';
import { budgetRefusal } from '../planner/drain-budgets.ts';
import { EventRecorder } from '../runtime/events.ts';
import { Executor } from '../runtime/executor.ts';
import { holdRolloutLease } from './hold-lease.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';
import { asSink, Store } from '../runtime/store.ts';
import { cleanUpRelease, releaseUninstallGuard } from './uninstall-cleanup.ts';
import { RolloutWorld } from '../runtime/world.ts';

export async function runPreDelete(ctx: PhaseContext): Promise<PhaseResult> {
  const { port, config, run } = ctx;
  const held = await holdRolloutLease(ctx, {
    marginMs: 30_000,
    whenHeld: 'nothing was changed. Uninstall again once it has finished.',
  });
  if (held.kind === 'refused') return held.result;
  const { lease } = held;
  // World gives the per-node pod watches and the change notifier; nodes come from two watches:
  // the selected ones and any still labelled for this namespace (left the selector).
  const world = RolloutWorld.forPhase(ctx);
  const labelled = new Store<NodeView>(
    (n) => n.name,
    world.changes,
    (n) => n.resourceVersion,
  );
  const abort = new AbortController();
  run.onStop(() => {
    world.changes.notify();
  });
  try {
    port.watchNodes(config.nodeSelector, asSink(world.nodes), abort.signal);
    port.watchNodes(
      kmmVersionLabel(config.namespace, moduleNames.onload),
      asSink(labelled),
      abort.signal,
    );
    const result = await uninstall(ctx, world, labelled);
    if (result.exitCode === exitCodes.ok) {
      // The release is going: its rollout Lease goes too (released first, so nothing renews it;
      // the release in `finally` is then a no-op).
      await lease.release();
      await port
        .deleteLease(config.namespace, rolloutLeaseName(config.crName))
        .catch((e: unknown) => {
          ctx.log.debug('could not delete the rollout Lease', { error: e });
        });
      return (await releaseUninstallGuard(ctx)) ?? result;
    }
    return result;
  } finally {
    abort.abort();
    world.stop();
    await lease.release();
  }
}

/** Pause, evict and unload, round by round, until done, refused or stopped. */
async function uninstall(
  ctx: PhaseContext,
  world: RolloutWorld,
  labelled: Store<NodeView>,
): Promise<PhaseResult> {
  const { port, config, log, clock, run } = ctx;
  const { policy } = config;
  const events = new EventRecorder(
    port,
    { namespace: config.namespace, crName: config.crName, identity: config.identity },
    log,
  );
  const executor = Executor.forPhase(ctx, world, events);
  const startedAt = clock.now();
  let announced = new Set<string>();
  let warned = false;
  let budgetsChecked = policy.eviction.force;
  for (;;) {
    const now = clock.now();
    if (!world.nodes.synced || !labelled.synced) {
      await world.changes.wait(now + 30_000, () => clock.now());
      continue;
    }
    const nodes = newest([...labelled.values(), ...world.nodes.values()]);
    if (!warned) {
      log.warn(
        `UNINSTALL: removing Onload from ${nodes.size} node(s): pausing the device plugin, evicting every pod that uses amd.com/onload${
          policy.eviction.extra ? ` or matches "${config.spec.upgrade.eviction.podSelector}"` : ''
        }, then unloading the driver`,
      );
      warned = true;
    }
    world.watchNodePods([...nodes.keys()]);
    const snapshot = world.snapshot(now, {
      runStartedAt: startedAt,
      deadlineAt: run.deadlineAt,
      stopping: run.stopping,
    });
    const plan = planDrain({
      now,
      startedAt,
      policy,
      nodes: factsOf(nodes, policy.namespace),
      nodePods: snapshot.nodePods,
      evictions: world.evictions,
      budgetsChecked,
    });
    if (plan.checkBudgets) {
      const refusal = await refusalBeforeEvicting(ctx, plan.remaining, nodes);
      if (refusal !== undefined) return await refuse(ctx, world, executor, labelled, refusal);
      budgetsChecked = true;
      continue;
    }
    const pending = [...plan.remaining.values()].flat().map(podKey);
    const fresh = pending.filter((k) => !announced.has(k));
    if (fresh.length > 0)
      log.warn(`UNINSTALL: evicting ${fresh.length} pod(s) using Onload: ${fresh.join(', ')}`);
    announced = new Set([...announced, ...pending]);
    if (plan.failure) return await refuse(ctx, world, executor, labelled, plan.failure);
    if (plan.done) {
      const evicted = announced.size > 0 ? `${announced.size} pod(s) evicted; ` : '';
      if (plan.warning) log.warn(plan.warning);
      const cleanup = await cleanUpRelease(ctx);
      if (cleanup.kind === 'kept') log.warn(cleanup.warning);
      const message = `${evicted}no pod uses Onload on ${nodes.size} node(s)${plan.warning ? `; ${plan.warning}` : ' and KMM unloaded the driver'}; ${cleanup.kind === 'clean' ? `the Onload labels and annotations of namespace ${config.namespace} removed from ${cleanup.nodes} node(s)` : cleanup.warning}`;
      log.info(message);
      return { exitCode: exitCodes.ok, message };
    }
    if (run.stopping)
      return {
        exitCode: exitCodes.stopped,
        message: 'stopped on SIGTERM; pods may still use Onload',
      };
    await executor.run(plan.actions);
    await world.changes.wait(Math.min(plan.wakeAt ?? Number.POSITIVE_INFINITY, now + 30_000), () =>
      clock.now(),
    );
  }
}

/** Whether some PodDisruptionBudget would refuse one of the evictions: then none is made. */
async function refusalBeforeEvicting(
  ctx: PhaseContext,
  remaining: ReadonlyMap<string, readonly PodView[]>,
  nodes: ReadonlyMap<string, NodeView>,
): Promise<string | undefined> {
  const { policy } = ctx.config;
  return budgetRefusal(
    [...remaining.values()].flat(),
    await ctx.port.listPdbs(),
    policy,
    planRestore(factsOf(nodes, policy.namespace)).length,
  );
}

/** Refuses the uninstall, the device plugin back where the driver is untouched. */
async function refuse(
  ctx: PhaseContext,
  world: RolloutWorld,
  executor: Executor,
  labelled: Store<NodeView>,
  message: string,
): Promise<PhaseResult> {
  await restoreService(ctx, world, executor, () =>
    newest([...labelled.values(), ...world.nodes.values()]),
  );
  ctx.log.error(message);
  return { exitCode: exitCodes.failed, message };
}

/**
 * A refused uninstall resumes the device plugin where the driver is untouched; a patch that lost
 * a race (409) is planned again from the node's fresh state.
 */
async function restoreService(
  ctx: PhaseContext,
  world: RolloutWorld,
  executor: Executor,
  current: () => Map<string, NodeView>,
): Promise<void> {
  const { clock, config } = ctx;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const restore = planRestore(factsOf(current(), config.namespace));
    if (restore.length === 0) return;
    await executor.run(restore);
    await world.changes.wait(clock.now() + 2_000, () => clock.now());
  }
}

function factsOf(nodes: ReadonlyMap<string, NodeView>, namespace: string): NodeFacts[] {
  return [...nodes.values()].map((n) => readNodeFacts(n, namespace));
}

/** One entry per node, the copy with the highest resourceVersion (two watches feed the view). */
function newest(nodes: readonly NodeView[]): Map<string, NodeView> {
  const byName = new Map<string, NodeView>();
  for (const n of nodes) {
    const seen = byName.get(n.name);
    if (!seen || Number(n.resourceVersion) > Number(seen.resourceVersion)) byName.set(n.name, n);
  }
  return byName;
}
