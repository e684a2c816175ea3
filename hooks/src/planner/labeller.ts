// The node labeller's decisions: selected nodes without the KMM version label get the live
// Module's version (nothing while the Module does not exist); nodes that left the selector lose
// our labels. Existing version labels never change; nodes in a rollout are never touched.
import type { ModuleView } from '../kube/port.ts';
import type { NodeFacts, NodeWrite } from '../model/node-facts.ts';
import { cleanupChange } from './cleanup.ts';
import { freezeNode, inRollout } from './freeze.ts';

export interface LabellerInput {
  readonly sfcEnabled: boolean;
  /** Nodes matching spec.selector. */
  readonly selected: readonly NodeFacts[];
  /** Nodes carrying our onload version label (to find those that left the selector). */
  readonly labelled: readonly NodeFacts[];
  readonly modules: { readonly onload?: ModuleView; readonly sfc?: ModuleView };
}

export interface LabellerWrite extends NodeWrite {
  readonly why: string;
}

export function planLabeller(input: LabellerInput): LabellerWrite[] {
  const writes: LabellerWrite[] = [];
  const onloadVersion = input.modules.onload?.version;
  const sfcVersion = input.sfcEnabled ? input.modules.sfc?.version : undefined;
  if (onloadVersion !== undefined) {
    for (const f of input.selected) {
      const { change } = freezeNode(f, {
        onload: onloadVersion,
        ...(sfcVersion !== undefined ? { sfc: sfcVersion } : {}),
      });
      if (change)
        writes.push({
          node: f.name,
          resourceVersion: f.resourceVersion,
          change,
          why: `joined the selector: labelled for onload ${onloadVersion}`,
        });
    }
  }
  const selected = new Set(input.selected.map((f) => f.name));
  for (const f of input.labelled) {
    if (selected.has(f.name) || inRollout(f)) continue;
    const change = cleanupChange(f);
    if (change)
      writes.push({
        node: f.name,
        resourceVersion: f.resourceVersion,
        change,
        why: 'left the selector: Onload labels removed',
      });
  }
  return writes;
}
