// post-install / post-upgrade / post-rollback (Argo CD PostSync): the rollout. Nodes whose KMM
// labels differ from the desired version go through the per-node procedure in policy order; nodes
// already at it are waited on until they serve (install). Everything is derived from cluster state.
import { moduleNames } from '../contract.ts';
import type { OnloadStatus } from '../../generated/onload-types.ts';
import type { ModuleView } from '../kube/port.ts';
import { formatDuration } from '../model/duration.ts';
import { pullPodSelector } from '../model/pull-pods.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { labelsAtTarget } from '../planner/driver.ts';
import { checkImages } from '../planner/images.ts';
import { worstCaseSeconds, type Policy } from '../planner/policy.ts';
import { noNodesSelectedMessage } from '../planner/no-nodes.ts';
import { planRollout } from '../planner/rollout.ts';
import { computeStatus, type RolloutRecord } from '../planner/status.ts';
import type { Outcome, RolloutPlan } from '../planner/types.ts';
import { EventRecorder } from '../runtime/events.ts';
import { Executor } from '../runtime/executor.ts';
import type { RolloutLease } from '../runtime/lease.ts';
import { holdRolloutLease } from './hold-lease.ts';
import { Progress } from '../runtime/progress.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';
import { StatusWriter } from '../runtime/status-writer.ts';
import { RolloutWorld } from '../runtime/world.ts';

const heartbeatMs = 30_000;
const syncTimeoutMs = 120_000;
const imagePollMs = 5_000;
// Every watch event wakes the loop; on a large cluster (a plan takes milliseconds, events arrive by
// the hundred per second) pause paceFactor × the planning time before planning again, so events
// batch up and planning stays a fraction of one CPU. On small clusters the pause is negligible.
const paceFactor = 3;
const maxPaceMs = 200;

export async function runPost(ctx: PhaseContext): Promise<PhaseResult> {
  const { config, log, clock, run } = ctx;
  const { policy } = config;
  const version = policy.desiredVersion;
  log.info(
    `post: onload ${version} on nodes matching ${config.nodeSelector || '(all nodes)'} in namespace ${config.namespace}`,
  );
  const worst = worstCaseSeconds(policy.timeouts);
  if (Number.isFinite(run.deadlineAt) && run.startedAt + worst * 1000 > run.deadlineAt) {
    log.warn(
      `hooks.timeoutSeconds leaves less than one node's worst case (${worst}s, the sum of upgrade.timeouts): a node upgrade is only started while that much time is left`,
    );
  }

  const held = await holdRolloutLease(ctx, {
    marginMs: heartbeatMs,
    whenHeld: 'nothing was done. Run the upgrade again once it has finished.',
    onLost: () => {
      log.error('another run took the rollout Lease; stopping here');
    },
  });
  if (held.kind === 'refused') return held.result;
  const { lease } = held;

  const world = RolloutWorld.forPhase(ctx);
  run.onStop(() => {
    world.changes.notify();
  });
  try {
    world.start();
    const syncUntil = clock.now() + syncTimeoutMs;
    while (!world.synced) {
      if (clock.now() > syncUntil)
        return {
          exitCode: exitCodes.failed,
          message: 'could not read the nodes, pods and Modules within 2 minutes',
        };
      await world.changes.wait(syncUntil, () => clock.now());
    }
    return await rollout(ctx, policy, world, lease);
  } finally {
    world.stop();
    await lease.release();
  }
}

/** What a rollout run reports through: Events, the Onload status, progress lines. */
interface Reporting {
  readonly events: EventRecorder;
  readonly statusWriter: StatusWriter;
  readonly progress: Progress;
  readonly record: RolloutRecord | undefined;
  readonly statusOf: (
    plan: Pick<RolloutPlan, 'reports' | 'failures' | 'outcome'>,
    line: string,
  ) => OnloadStatus;
}

function reporting(ctx: PhaseContext, policy: Policy, world: RolloutWorld): Reporting {
  const { port, config, log, clock, run } = ctx;
  const version = policy.desiredVersion;
  const cr = world.onload.get('cr');
  const events = new EventRecorder(
    port,
    { namespace: config.namespace, crName: config.crName, identity: config.identity },
    log,
    { now: () => clock.now() },
  );
  events.setOnloadUid(cr?.uid);
  const statusWriter = new StatusWriter({
    port,
    namespace: config.namespace,
    name: config.crName,
    log,
    now: () => clock.now(),
    ...(cr?.status ? { previous: cr.status } : {}),
  });
  const record = rolloutRecord(world, policy, cr?.status?.rollout, run.startedAt);
  const progress = new Progress({
    log,
    now: () => clock.now(),
    title: record ? `onload ${record.fromVersion ?? '?'} → ${version}` : `onload ${version}`,
    parallel: policy.maxParallel,
  });
  const statusOf: Reporting['statusOf'] = (plan, line) =>
    computeStatus({
      now: clock.now(),
      desiredVersion: version,
      generation: world.onload.get('cr')?.generation ?? 0,
      plan,
      ...(statusWriter.current ? { previous: statusWriter.current } : {}),
      ...(record ? { rollout: record } : {}),
      progress: line,
      ...(world.nodes.values().length === 0
        ? { noNodesSelected: noNodesSelectedMessage(config.nodeSelector) }
        : {}),
    });
  return { events, statusWriter, progress, record, statusOf };
}

async function rollout(
  ctx: PhaseContext,
  policy: Policy,
  world: RolloutWorld,
  lease: RolloutLease,
): Promise<PhaseResult> {
  const r = reporting(ctx, policy, world);
  if (world.nodes.values().length === 0)
    ctx.log.warn(noNodesSelectedMessage(ctx.config.nodeSelector));
  const refused = r.record ? await beginRollout(ctx, policy, world, r, r.record) : undefined;
  if (refused) return refused;
  const executor = Executor.forPhase(ctx, world, r.events);
  const { clock, run } = ctx;
  for (;;) {
    const now = clock.now();
    const snapshot = world.snapshot(now, {
      runStartedAt: run.startedAt,
      deadlineAt: run.deadlineAt,
      stopping: run.stopping,
    });
    const plan = planRollout(snapshot, policy);
    const planMs = clock.now() - now;
    world.watchNodePods(plan.watchPods);
    if (plan.fetchNmc.length > 0 && (await world.fetchNmc(plan.fetchNmc))) continue;
    const result = await executor.run(plan.actions);
    const line = r.progress.report(plan);
    // Status and RolloutProgress Events are coalesced (at most one per interval); a failure and
    // the end of the run are written at once.
    const important =
      result.transitions.some((t) => t.to === 'upgrade-failed') || plan.outcome !== undefined;
    await r.statusWriter.write(r.statusOf(plan, line), important);
    await r.events.flushProgress(doneCount(plan), plan.outcome !== undefined);
    if (plan.outcome && result.conflicts === 0) return finish(ctx, plan.outcome, r.events, lease);
    if (plan.actions.length > 0) await clock.sleep(100);
    else if (planMs > 0) await clock.sleep(Math.min(maxPaceMs, planMs * paceFactor));
    await world.changes.wait(
      Math.min(
        plan.wakeAt ?? Number.POSITIVE_INFINITY,
        now + heartbeatMs,
        r.statusWriter.dueAt ?? Number.POSITIVE_INFINITY,
        r.events.progressDueAt ?? Number.POSITIVE_INFINITY,
      ),
      () => clock.now(),
    );
  }
}

/** How many of the selected nodes are done, for the RolloutProgress Events. */
function doneCount(plan: Pick<RolloutPlan, 'reports'>): string {
  const done = plan.reports.filter((n) => n.category === 'done').length;
  return `${done}/${plan.reports.length} node(s) done`;
}

/** Announces a rollout and waits for its images; the result when no node may be touched. */
async function beginRollout(
  ctx: PhaseContext,
  policy: Policy,
  world: RolloutWorld,
  r: Reporting,
  record: RolloutRecord,
): Promise<PhaseResult | undefined> {
  const version = policy.desiredVersion;
  ctx.log.info(
    `rollout ${record.fromVersion ?? '?'} → ${version}: ${world.nodes.values().length} selected node(s)`,
  );
  if (record.startedAt === ctx.run.startedAt)
    await r.events.onload(`rollout to onload ${version} started`, false, 'RolloutStarted');
  const gate = await waitForImages(ctx, world, policy);
  if (!gate) return undefined;
  const outcome: Outcome = {
    kind: 'blocked',
    left: world.nodes.values().length,
    message: gate.message,
  };
  await r.statusWriter.write(
    r.statusOf({ reports: [], failures: [], outcome }, gate.message),
    true,
  );
  await r.events.onload(gate.message, true, 'RolloutFailed');
  return gate;
}

async function finish(
  ctx: PhaseContext,
  outcome: Outcome,
  events: EventRecorder,
  lease: RolloutLease,
): Promise<PhaseResult> {
  const { log, run, clock } = ctx;
  const elapsed = formatDuration(clock.now() - run.startedAt);
  let exitCode: number;
  switch (outcome.kind) {
    case 'complete':
    case 'paused':
      exitCode = exitCodes.ok;
      break;
    case 'stopped':
      exitCode = lease.lost ? exitCodes.failed : exitCodes.stopped;
      break;
    default:
      // Out of time too: nodes still run the old driver, so Helm must not report success.
      exitCode = exitCodes.failed;
  }
  const message = `${outcome.message} (after ${elapsed})`;
  await events.onload(
    message,
    exitCode !== exitCodes.ok,
    exitCode === exitCodes.ok ? 'RolloutFinished' : 'RolloutFailed',
  );
  if (exitCode === exitCodes.ok) log.info(message);
  else log.error(message);
  return { exitCode, message };
}

/** The rollout this run belongs to, or undefined when no node needs a new version (install). */
function rolloutRecord(
  world: RolloutWorld,
  policy: Policy,
  previous:
    | { fromVersion?: string; toVersion?: string; startedAt?: string; finishedAt?: string }
    | undefined,
  runStartedAt: number,
): RolloutRecord | undefined {
  const facts = world.nodes.values().map((n) => readNodeFacts(n, policy.namespace));
  const behind = facts.filter((f) => !labelsAtTarget(f, policy) || f.paused);
  const version = policy.desiredVersion;
  if (previous?.toVersion === version && previous.finishedAt === undefined && previous.startedAt) {
    return {
      ...(previous.fromVersion !== undefined ? { fromVersion: previous.fromVersion } : {}),
      toVersion: version,
      startedAt: Date.parse(previous.startedAt),
    };
  }
  if (behind.length === 0) return undefined;
  const from = [
    ...new Set(
      behind
        .map((f) => f.modules.onload.label)
        .filter((v): v is string => v !== undefined && v !== version),
    ),
  ];
  return {
    ...(from.length > 0 ? { fromVersion: from.sort().join(',') } : {}),
    toVersion: version,
    startedAt: runStartedAt,
  };
}

/**
 * KMM >= 2.4 only loads a version whose image `Exists`: wait for that before touching a node, and
 * fail as soon as KMM's pull pod shows that the kubelet cannot pull an image.
 */
async function waitForImages(
  ctx: PhaseContext,
  world: RolloutWorld,
  policy: Policy,
): Promise<PhaseResult | undefined> {
  const { port, log, clock, run, config } = ctx;
  if (!(await port.kmmResourceServed('moduleimagesconfigs', config.namespace))) {
    log.warn(
      'KMM has no ModuleImagesConfig (KMM < 2.4): cannot check that the new kernel-module images exist; a missing image shows as a driver reload timeout on the first node',
    );
    return undefined;
  }
  const modules = [moduleNames.onload, ...(policy.sfcEnabled ? [moduleNames.sfc] : [])]
    .map((name) => world.modules.get(name))
    .filter((m): m is ModuleView => m !== undefined && m.version === policy.desiredVersion);
  const until = clock.now() + policy.timeouts.installSeconds * 1000;
  let reported = '';
  for (;;) {
    const waiting: string[] = [];
    for (const module of modules) {
      const [mic, pullPods] = await Promise.all([
        port.getModuleImagesConfig(config.namespace, module.name),
        port.listPodImages(config.namespace, pullPodSelector(module.name)),
      ]);
      const gate = checkImages(module, mic, pullPods);
      if (gate.kind === 'fail') return { exitCode: exitCodes.failed, message: gate.message };
      if (gate.kind === 'wait') waiting.push(gate.why);
    }
    if (waiting.length === 0) return undefined;
    const why = waiting.join('; ');
    if (clock.now() > until)
      return {
        exitCode: exitCodes.failed,
        message: `the new kernel-module images were not confirmed within ${policy.timeouts.installSeconds}s: ${why}. No node was touched.`,
      };
    if (run.stopping)
      return {
        exitCode: exitCodes.stopped,
        message: 'stopped on SIGTERM while waiting for the images; no node was touched',
      };
    if (why !== reported) {
      log.info(`waiting for KMM to confirm the new images: ${why}`);
      reported = why;
    }
    await clock.sleep(imagePollMs);
  }
}
