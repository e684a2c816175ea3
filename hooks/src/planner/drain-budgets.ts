// Before the uninstall evicts anything: the PodDisruptionBudgets that would refuse some of its
// evictions. A pod that uses Onload cannot come back anywhere once evicted (no node offers
// amd.com/onload during the uninstall), so a budget admits at most its disruptionsAllowed of the
// ready pods it protects; evicting the others first would remove them for nothing.
import type { PdbView, PodView } from '../kube/port.ts';
import { matches } from '../kube/selectors.ts';
import { podKey } from '../model/pods.ts';
import type { Policy } from './policy.ts';
import { helmRecovery, restoredNote } from './uninstall-refusal.ts';

export interface RefusingBudget {
  readonly pdb: PdbView;
  /** The pods to evict it protects. */
  readonly pods: readonly PodView[];
}

export function refusingBudgets(
  toEvict: readonly PodView[],
  pdbs: readonly PdbView[],
): RefusingBudget[] {
  return pdbs.flatMap((pdb) => {
    const pods = toEvict.filter(
      (p) => !p.deleting && p.namespace === pdb.namespace && matches(pdb.selector, p.labels),
    );
    const ready = pods.filter((p) => p.ready).length;
    return ready > (pdb.disruptionsAllowed ?? 0) ? [{ pdb, pods }] : [];
  });
}

/** The refusal when some budget would refuse an eviction, or undefined when none would. */
export function budgetRefusal(
  toEvict: readonly PodView[],
  pdbs: readonly PdbView[],
  policy: Policy,
  restored: number,
): string | undefined {
  const budgets = refusingBudgets(toEvict, pdbs);
  if (budgets.length === 0) return undefined;
  const list = budgets
    .map(
      ({ pdb, pods }) =>
        `PodDisruptionBudget ${pdb.namespace}/${pdb.name} allows ${pdb.disruptionsAllowed ?? 0} eviction(s) but protects ${pods.length} such pod(s) (${pods.map((p) => `${podKey(p)} on ${p.nodeName}`).join(', ')})`,
    )
    .join('; ');
  return `uninstall refused before evicting anything: pods using amd.com/onload cannot run anywhere once the driver goes, and ${list}. Nothing was uninstalled and nothing was evicted${restoredNote(restored)}. Scale those workloads down (or relax their PodDisruptionBudgets, or set upgrade.eviction.force=true) and uninstall again; helm uninstall --no-hooks skips this and unloads the driver under them. ${helmRecovery(policy)}`;
}
