// pre-install / pre-upgrade / pre-rollback (Argo CD PreSync): preflight, then freeze — every
// selected node carries the KMM version labels of the version it runs now before the Modules
// change (nodes without any get the new version). Touches nothing when a check fails.
import { hookEnv, moduleNames } from '../contract.ts';
import type { KubePort, ModuleView, NodeView } from '../kube/port.ts';
import { format } from '../kube/selectors.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { consumers, isTerminal } from '../model/pods.ts';
import { freezeNode, type LabelVersions } from '../planner/freeze.ts';
import {
  describeLoaderChanges,
  loaderChangeProblem,
  sameVersionLoaderChanges,
} from '../planner/loader-changes.ts';
import {
  moduleCrdForbiddenWarning,
  moduleTolerationsWarning,
} from '../planner/module-tolerations.ts';
import { noNodesSelectedMessage } from '../planner/no-nodes.ts';
import { rolloutEvicts } from '../planner/rollout-entries.ts';
import { podSecurityProblem } from '../planner/pod-security.ts';
import type { Policy } from '../planner/policy.ts';
import {
  operatorDeploymentName,
  operatorManagedBy,
  forcedBudgetWarnings,
  preflightProblems,
  type BudgetFinding,
} from '../planner/preflight.ts';
import { statusOf } from '../kube/errors.ts';
import { holdRolloutLease } from './hold-lease.ts';
import { NodeWriter } from '../runtime/node-writer.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';

export async function runPre(ctx: PhaseContext): Promise<PhaseResult> {
  const { port, config, log, run } = ctx;
  const { policy, nodeSelector: selector } = config;
  const version = policy.desiredVersion;
  log.info(
    `pre: preflight and freeze for onload ${version} on nodes matching ${selector || '(all nodes)'}`,
  );

  const held = await holdRolloutLease(ctx, {
    marginMs: 30_000,
    whenHeld: 'nothing was changed. Run the upgrade again once it has finished.',
  });
  if (held.kind === 'refused') return held.result;
  const { lease } = held;
  try {
    const nodes = await port.listNodes(selector);
    if (nodes.length === 0) log.warn(noNodesSelectedMessage(selector));
    const kmmModules = await port.kmmResourceServed('modules', config.namespace);
    const kmmNodeModulesConfigs =
      kmmModules && (await port.kmmResourceServed('nodemodulesconfigs', config.namespace));
    const onload = kmmModules
      ? await port.getModule(config.namespace, moduleNames.onload)
      : undefined;
    const sfc = kmmModules ? await port.getModule(config.namespace, moduleNames.sfc) : undefined;
    const budgets = await budgetFindings(port, nodes, policy);
    const problems = preflightProblems({
      namespace: config.namespace,
      kmmModules,
      kmmNodeModulesConfigs,
      modules: { ...(onload ? { onload } : {}), ...(sfc ? { sfc } : {}) },
      operatorModules: kmmModules
        ? await clusterWide(ctx, 'list KMM Modules in all namespaces', () =>
            port.listModules(operatorManagedBy),
          )
        : [],
      operatorDeployments: await clusterWide(ctx, 'list Deployments in all namespaces', () =>
        port.findDeployments(operatorDeploymentName),
      ),
      nodes,
      budgets,
      evictionForce: policy.eviction.force,
    });
    const podSecurity = await namespacePodSecurity(ctx);
    if (podSecurity !== undefined) problems.push(podSecurity);
    const loaderChange = checkLoaderChange(ctx, { onload, sfc });
    if (loaderChange !== undefined) problems.push(loaderChange);
    if (kmmModules) await warnWithoutModuleTolerations(ctx);
    if (problems.length > 0) {
      for (const p of problems) log.error(p);
      return {
        exitCode: exitCodes.failed,
        message: `preflight failed, nothing was changed:\n- ${problems.join('\n- ')}`,
      };
    }
    if (policy.eviction.force) for (const w of forcedBudgetWarnings(budgets)) log.warn(w);
    if (run.stopping)
      return { exitCode: exitCodes.stopped, message: 'stopped on SIGTERM before the freeze' };
    return await freeze(ctx, nodes, policy, {
      onload: version,
      ...(policy.sfcEnabled ? { sfc: version } : {}),
    });
  } finally {
    await lease.release();
  }
}

async function freeze(
  ctx: PhaseContext,
  listed: readonly NodeView[],
  policy: Policy,
  versions: LabelVersions,
): Promise<PhaseResult> {
  const { port, log } = ctx;
  const writer = new NodeWriter(port, policy.namespace);
  const counts = { labelled: 0, kept: 0, 'in-rollout': 0 };
  const running = new Map<string, number>();
  for (const node of listed) {
    const settled = await writer.settle(node, (f) => freezeNode(f, versions).change);
    if (settled.kind === 'written') {
      counts.labelled++;
      log.info(
        `node ${node.name}: labelled for onload ${versions.onload} (it had no version label)`,
        { node: node.name },
      );
    } else if (settled.kind === 'unchanged') {
      const { verdict } = freezeNode(settled.facts, versions);
      counts[verdict]++;
      const label = settled.facts.modules.onload.label;
      if (verdict === 'kept' && label !== undefined)
        running.set(label, (running.get(label) ?? 0) + 1);
    }
  }
  const kept = [...running].map(([v, n]) => `${n} on ${v}`).join(', ');
  const upgrades = [...running]
    .filter(([v]) => v !== versions.onload)
    .reduce((sum, [, n]) => sum + n, 0);
  const message =
    `freeze: ${listed.length} selected node(s): ${counts.kept} keep their version${kept ? ` (${kept})` : ''}, ` +
    `${counts.labelled} newly labelled for ${versions.onload}, ${counts['in-rollout']} mid-rollout left alone` +
    (upgrades > 0 ? `; the post hook upgrades ${upgrades} node(s) to ${versions.onload}` : '');
  log.info(message);
  return { exitCode: exitCodes.ok, message };
}

/**
 * A change of the Modules' loaders that keeps the version: refused, or, with
 * upgrade.applyLoaderChangesAtOnce, let through with a warning.
 */
function checkLoaderChange(
  ctx: PhaseContext,
  modules: Readonly<Record<string, ModuleView | undefined>>,
): string | undefined {
  const { config, log } = ctx;
  if (config.moduleLoaders === undefined) {
    log.warn(
      `${hookEnv.moduleLoaders} is not set (a hand-made Job?): a change of the kernel-module loader without a new onload.version is not checked`,
    );
    return undefined;
  }
  const check = {
    namespace: config.namespace,
    desiredVersion: config.policy.desiredVersion,
    modules,
    desired: config.moduleLoaders,
  };
  const found = sameVersionLoaderChanges(check);
  if (found.length === 0) return undefined;
  if (!config.spec.upgrade.applyLoaderChangesAtOnce) return loaderChangeProblem(check, found);
  log.warn(
    `upgrade.applyLoaderChangesAtOnce is set: KMM reloads the driver on every selected node at once, without draining them (${describeLoaderChanges(config.namespace, found)})`,
  );
  return undefined;
}

/**
 * A cluster-wide look for leftovers of the Go operator. Without the permission (a trimmed
 * ClusterRole) the check is skipped with a warning rather than failing the install.
 */
async function clusterWide<T>(
  ctx: PhaseContext,
  what: string,
  fn: () => Promise<T[]>,
): Promise<T[]> {
  try {
    return await fn();
  } catch (e) {
    if (statusOf(e) !== 403) throw e;
    ctx.log.warn(
      `cannot ${what} (forbidden): leftovers of the Go Onload Operator are not checked there`,
    );
    return [];
  }
}

/** Warns when KMM has no Module tolerations (< 2.3), or when the hook may not read its CRD. */
async function warnWithoutModuleTolerations(ctx: PhaseContext): Promise<void> {
  try {
    const warning = moduleTolerationsWarning(await ctx.port.getModuleCrd());
    if (warning !== undefined) ctx.log.warn(warning);
  } catch (e) {
    if (statusOf(e) !== 403) throw e;
    ctx.log.warn(moduleCrdForbiddenWarning);
  }
}

/** Whether the release namespace admits privileged pods; skipped with a warning without the right to read it. */
async function namespacePodSecurity(ctx: PhaseContext): Promise<string | undefined> {
  const namespace = ctx.config.namespace;
  try {
    return podSecurityProblem(namespace, (await ctx.port.getNamespaceLabels(namespace)) ?? {});
  } catch (e) {
    if (statusOf(e) !== 403) throw e;
    ctx.log.warn(
      `cannot read namespace ${namespace} (forbidden): its Pod Security labels are not checked`,
    );
    return undefined;
  }
}

/** PodDisruptionBudgets that protect pods the rollout will evict (on nodes it upgrades, not skipped). */
async function budgetFindings(
  port: KubePort,
  nodes: readonly NodeView[],
  policy: Policy,
): Promise<BudgetFinding[]> {
  const toUpgrade = nodes.filter((n) => rolloutEvicts(readNodeFacts(n, policy.namespace), policy));
  if (toUpgrade.length === 0) return [];
  const names = new Set(toUpgrade.map((n) => n.name));
  const pdbs = await port.listPdbs();
  const findings: BudgetFinding[] = [];
  for (const pdb of pdbs) {
    if (pdb.selector.nothing) continue;
    const pods = (
      await port.listPods({ namespace: pdb.namespace, labelSelector: format(pdb.selector) })
    ).filter((p) => !isTerminal(p));
    const evicted = [...names].flatMap((node) => consumers(pods, node, policy.eviction.extra));
    if (evicted.length > 0) findings.push({ pdb, selected: pods.length, consumers: evicted });
  }
  return findings;
}
