// Freeze (pre phase) and the labeller share one rule for giving a node its KMM version labels:
// a node that has the onload label keeps it (it runs that version); a node without one (fresh
// install, or joined later) gets the version given; nodes in a rollout are left alone. A node
// that has the onload label but no sfc label (sfc enabled later) is left to the rollout: loading
// sfc under a loaded onload would fail, so it needs the ordered per-node procedure.
import { isInProgressState, type NodeChange, type NodeFacts } from '../model/node-facts.ts';

export interface LabelVersions {
  readonly onload: string;
  /** Undefined: do not add an sfc label (sfc disabled or its Module absent). */
  readonly sfc?: string;
}

export type FreezeVerdict = 'labelled' | 'kept' | 'in-rollout';

/** Whether a node is being rolled (or failed in a rollout): nobody else touches its labels. */
export function inRollout(f: NodeFacts): boolean {
  return f.paused || isInProgressState(f.state) || f.state === 'upgrade-failed';
}

export function freezeNode(
  f: NodeFacts,
  versions: LabelVersions,
): { readonly verdict: FreezeVerdict; readonly change?: NodeChange } {
  if (inRollout(f)) return { verdict: 'in-rollout' };
  const { onload, sfc } = f.modules;
  if (onload.label !== undefined) return { verdict: 'kept' };
  const addSfc = versions.sfc !== undefined && sfc.label === undefined;
  return {
    verdict: 'labelled',
    change: { versions: { onload: versions.onload, ...(addSfc ? { sfc: versions.sfc } : {}) } },
  };
}
