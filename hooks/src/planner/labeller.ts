// The node labeller's decisions: selected nodes without the KMM version label get the live
// Module's version (nothing while the Module does not exist); nodes that left the selector lose
// our labels. Existing version labels never change; nodes in a rollout are never touched.
import type { MetadataPatch, ModuleView, NodeView } from '../kube/port.ts';
import { cleanupPatch } from '../model/node-facts.ts';
import { freezeNode, inRollout } from './freeze.ts';

export interface LabellerInput {
  readonly namespace: string;
  readonly sfcEnabled: boolean;
  /** Nodes matching spec.selector. */
  readonly selected: readonly NodeView[];
  /** Nodes carrying our onload version label (to find those that left the selector). */
  readonly labelled: readonly NodeView[];
  readonly modules: { readonly onload?: ModuleView; readonly sfc?: ModuleView };
}

export interface LabellerPatch {
  readonly node: string;
  readonly resourceVersion: string;
  readonly patch: MetadataPatch;
  readonly why: string;
}

export function planLabeller(input: LabellerInput): LabellerPatch[] {
  const { namespace } = input;
  const patches: LabellerPatch[] = [];
  const onloadVersion = input.modules.onload?.version;
  const sfcVersion = input.sfcEnabled ? input.modules.sfc?.version : undefined;
  if (onloadVersion !== undefined) {
    for (const node of input.selected) {
      const { patch } = freezeNode(node, namespace, {
        onload: onloadVersion,
        ...(sfcVersion !== undefined ? { sfc: sfcVersion } : {}),
      });
      if (patch)
        patches.push({
          node: node.name,
          resourceVersion: node.resourceVersion,
          patch: { labels: patch.labels },
          why: `joined the selector: labelled for onload ${onloadVersion}`,
        });
    }
  }
  const selected = new Set(input.selected.map((n) => n.name));
  for (const node of input.labelled) {
    if (selected.has(node.name) || inRollout(node, namespace)) continue;
    const patch = cleanupPatch(node, namespace);
    if (patch)
      patches.push({
        node: node.name,
        resourceVersion: node.resourceVersion,
        patch,
        why: 'left the selector: Onload labels removed',
      });
  }
  return patches;
}
