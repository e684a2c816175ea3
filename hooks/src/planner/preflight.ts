// Checks the pre phase makes before touching anything; each problem says what is wrong and the fix.
import { moduleNames, skipLabel } from '../contract.ts';
import type { DeploymentView, ModuleView, NodeView, PdbView, PodView } from '../kube/port.ts';
import { operatorLabels } from '../model/operator-labels.ts';

/** KMM refuses len(namespace) + len(Module name) > 40: its node label names must fit 63 characters. */
export const maxNamespaceLength = 40 - moduleNames.onload.length;
export const operatorDeploymentName = 'onload-operator-controller-manager';
export const operatorManagedBy = 'app.kubernetes.io/managed-by=onload-operator';

export interface BudgetFinding {
  readonly pdb: PdbView;
  /** Pods the PDB selects (not finished). */
  readonly selected: number;
  /** Of those, pods a rollout would evict from nodes it upgrades. */
  readonly consumers: readonly PodView[];
}

export interface PreflightFacts {
  readonly namespace: string;
  readonly kmmModules: boolean;
  readonly kmmNodeModulesConfigs: boolean;
  readonly modules: { readonly onload?: ModuleView; readonly sfc?: ModuleView };
  readonly operatorModules: readonly ModuleView[];
  readonly operatorDeployments: readonly DeploymentView[];
  readonly nodes: readonly NodeView[];
  readonly budgets: readonly BudgetFinding[];
  /** upgrade.eviction.force: pods a budget keeps are deleted after the eviction timeout. */
  readonly evictionForce: boolean;
}

export function preflightProblems(f: PreflightFacts): string[] {
  const problems: string[] = [];
  if (f.namespace.length > maxNamespaceLength)
    problems.push(
      `namespace "${f.namespace}" has ${f.namespace.length} characters; KMM's node labels allow at most ${maxNamespaceLength}: install into a shorter namespace`,
    );
  if (!f.kmmModules)
    problems.push(
      'Kernel Module Management is not installed (the API server does not serve modules.kmm.sigs.x-k8s.io): install KMM 2.x first',
    );
  else if (!f.kmmNodeModulesConfigs)
    problems.push(
      'Kernel Module Management is older than 2.0 (no NodeModulesConfig API): upgrade KMM to 2.x first',
    );
  for (const m of [f.modules.onload, f.modules.sfc]) {
    if (m === undefined || m.version !== undefined) continue;
    problems.push(
      `KMM Module ${m.namespace}/${m.name} exists without spec.moduleLoader.container.version, and KMM cannot add a version to an existing Module: delete it (kubectl delete module -n ${m.namespace} ${m.name}; this unloads the driver on every node) and run the install/upgrade again`,
    );
  }
  if (f.operatorModules.length > 0)
    problems.push(
      `KMM Modules of the Go Onload Operator exist (${f.operatorModules.map((m) => `${m.namespace}/${m.name}`).join(', ')}): hand their nodes over without an outage with npm run migrate -- handover -n <namespace> (deleting the operator's Onload resource instead unloads the driver on every node at once)`,
    );
  const running = f.operatorDeployments.filter((d) => d.replicas > 0);
  if (running.length > 0)
    problems.push(
      `the Go Onload Operator is running (Deployment ${running.map((d) => `${d.namespace}/${d.name}`).join(', ')}): uninstall it first, or both will fight over the nodes`,
    );
  const leftovers = f.nodes.flatMap((n) => operatorLabels(n).map((key) => ({ node: n.name, key })));
  if (leftovers.length > 0) {
    const nodes = [...new Set(leftovers.map((l) => l.node))];
    const keys = [...new Set(leftovers.map((l) => l.key))];
    problems.push(
      `${nodes.length} node(s) carry labels of the Go Onload Operator (${keys.slice(0, 4).join(', ')} on ${nodes.slice(0, 4).join(', ')}${nodes.length > 4 ? ', ...' : ''}): npm run migrate -- handover -n <namespace> moves these nodes to the chart one at a time; labels left by an operator that is already gone can be removed (kubectl label node <node> <key>-)`,
    );
  }
  if (!f.evictionForce)
    for (const b of unevictable(f.budgets))
      problems.push(
        `${describeBudget(b)}: relax it, move the pods, set upgrade.eviction.force=true, or label their nodes ${skipLabel}=true`,
      );
  return problems;
}

/** With upgrade.eviction.force the budgets that never allow an eviction are warned about, not refused. */
export function forcedBudgetWarnings(budgets: readonly BudgetFinding[]): string[] {
  return unevictable(budgets).map(
    (b) =>
      `${describeBudget(b)}: upgrade.eviction.force deletes them after upgrade.timeouts.evictionSeconds`,
  );
}

function unevictable(budgets: readonly BudgetFinding[]): BudgetFinding[] {
  return budgets.filter(
    (b) => b.consumers.length > 0 && neverAllowsEviction(b.pdb, b.selected) !== undefined,
  );
}

function describeBudget(b: BudgetFinding): string {
  const pods = b.consumers
    .slice(0, 3)
    .map((p) => `${p.namespace}/${p.name} on ${p.nodeName}`)
    .join(', ');
  return `PodDisruptionBudget ${b.pdb.namespace}/${b.pdb.name} (${neverAllowsEviction(b.pdb, b.selected) ?? ''}) never allows an eviction, but protects pods the upgrade must evict (${pods})`;
}

/** Why a PDB can never allow an eviction, or undefined when it can. */
export function neverAllowsEviction(pdb: PdbView, selected: number): string | undefined {
  const { maxUnavailable, minAvailable } = pdb;
  if (maxUnavailable === 0 || maxUnavailable === '0%' || maxUnavailable === '0')
    return 'maxUnavailable 0';
  if (minAvailable === '100%') return 'minAvailable 100%';
  if (typeof minAvailable === 'number' && selected > 0 && minAvailable >= selected)
    return `minAvailable ${minAvailable} with ${selected} pod(s)`;
  return undefined;
}
