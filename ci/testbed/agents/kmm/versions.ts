// KMM's node-version-label controller: it mirrors the user's version-module label into its internal
// worker label, but only through an unload — it drops the worker label when the user's label
// changes or goes, and adds it back (at the new value) once the module's `.ready` label is gone.
// (The chart's Modules have no KMM device plugin, so KMM's device-plugin label step never applies.)
import {
  readyLabel,
  refKey,
  versionLabelledModules,
  versionModuleLabel,
  workerVersionLabel,
} from './labels.ts';

export interface LabelChanges {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

export function workerLabelChanges(labels: Readonly<Record<string, string>>): LabelChanges {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const seen = new Set<string>();
  for (const ref of versionLabelledModules(labels)) {
    if (seen.has(refKey(ref))) continue;
    seen.add(refKey(ref));
    const wanted = labels[versionModuleLabel(ref.namespace, ref.name)] || undefined;
    const workerKey = workerVersionLabel(ref.namespace, ref.name);
    const worker = labels[workerKey] || undefined;
    if (worker !== undefined && worker !== wanted) remove.push(workerKey);
    else if (
      wanted !== undefined &&
      worker === undefined &&
      !(readyLabel(ref.namespace, ref.name) in labels)
    )
      set[workerKey] = wanted;
  }
  return { set, remove };
}
