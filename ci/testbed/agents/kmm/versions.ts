// KMM's node-version-label controller: it mirrors the user's version-module label into its internal
// worker and device-plugin labels, but only through an unload. On a change it drops the
// device-plugin label, then the worker label (which drops the NMC entry and unloads); it adds the
// worker label back at the new value once `.ready` is gone, and then the device-plugin label
// (KMM writes it even for Modules without a device plugin, as the chart's are). Pure.
import {
  devicePluginVersionLabel,
  readyLabel,
  refKey,
  versionLabelledModules,
  versionModuleLabel,
  workerVersionLabel,
  type ModuleRef,
} from './labels.ts';

export interface LabelChanges {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
  /** Modules whose worker label is due now that `.ready` is gone (the caller may delay it). */
  readonly workerDue: readonly ModuleRef[];
}

export function workerLabelChanges(labels: Readonly<Record<string, string>>): LabelChanges {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const workerDue: ModuleRef[] = [];
  const seen = new Set<string>();
  for (const ref of versionLabelledModules(labels)) {
    if (seen.has(refKey(ref))) continue;
    seen.add(refKey(ref));
    const wanted = labels[versionModuleLabel(ref.namespace, ref.name)] || undefined;
    const workerKey = workerVersionLabel(ref.namespace, ref.name);
    const pluginKey = devicePluginVersionLabel(ref.namespace, ref.name);
    const worker = labels[workerKey] || undefined;
    const plugin = labels[pluginKey] || undefined;
    if (plugin !== undefined && plugin !== wanted) remove.push(pluginKey);
    else if (worker !== undefined && worker !== wanted) remove.push(workerKey);
    else if (
      wanted !== undefined &&
      worker === undefined &&
      !(readyLabel(ref.namespace, ref.name) in labels)
    ) {
      set[workerKey] = wanted;
      workerDue.push({ namespace: ref.namespace, name: ref.name });
    } else if (wanted !== undefined && worker === wanted && plugin === undefined)
      set[pluginKey] = wanted;
  }
  return { set, remove, workerDue };
}

/**
 * KMM re-adds the worker label only when its rate-limited requeue comes round: the controller's
 * per-item back-off (5 ms, doubling, capped at 1000 s) keeps growing while the unload runs, so
 * the label comes back at the first retry after `.ready` went: up to about the unload time later.
 * `since` is when the worker label was dropped; returns when the label may be added at `now`.
 */
export function requeueDueAt(since: number, now: number): number {
  let delay = 5;
  let at = since + delay;
  while (at < now) {
    delay = Math.min(delay * 2, 1_000_000);
    at += delay;
  }
  return at;
}

/**
 * Whether KMM still retries `ref` on a node: its back-off lives only while the reconcile has a
 * worker label to add back, i.e. while the user's version label is set. With it removed, the
 * worker label's deletion is the last step, the reconcile asks for no requeue and the rate
 * limiter forgets the node (node_label_module_version_reconciler.go): a label set later is acted
 * on at once, not at a back-off grown since the drop.
 */
export function requeueLives(labels: Readonly<Record<string, string>>, ref: ModuleRef): boolean {
  return Boolean(labels[versionModuleLabel(ref.namespace, ref.name)]);
}

const workerLabelPrefix = 'beta.kmm.node.kubernetes.io/version-worker-pod.';

/** The modules whose worker label is among `removed` label keys. */
export function droppedWorkerLabels(removed: readonly string[]): ModuleRef[] {
  return removed
    .filter((k) => k.startsWith(workerLabelPrefix))
    .map((k) => k.slice(workerLabelPrefix.length))
    .map((rest) => ({
      namespace: rest.slice(0, rest.indexOf('.')),
      name: rest.slice(rest.indexOf('.') + 1),
    }));
}
