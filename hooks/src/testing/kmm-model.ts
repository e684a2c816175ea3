// The KMM and DaemonSet behaviour both in-memory clusters (MemoryKube's controllers and the
// property test's Sim) model, written once. It copies what ci/testbed/agents/README.md documents
// for KMM's node-label contract: a version label that differs from what is loaded unloads it
// (sfc only once onload is out: onload uses it) and drops `.ready` / `.version.ready`; a label at
// the Module's version on a node without the module loads it (onload only after sfc, when sfc is
// managed) and sets `.ready` (and `.version.ready` on KMM >= 2.5). The DaemonSets run where the
// driver is loaded (`.ready`) and our pause label is absent.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  pausedLabel,
  type ModuleKey,
} from '../contract.ts';

export type Loaded = Partial<Record<ModuleKey, string>>;

export interface KmmNodeInput {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly loaded: Loaded;
  /** The Module's version, undefined when the Module does not exist. */
  readonly moduleVersion: (m: ModuleKey) => string | undefined;
  /** onload loads only once sfc is loaded. */
  readonly sfcManaged: boolean;
  /** Loading onload always fails on this node. */
  readonly broken: boolean;
  /** KMM >= 2.5 writes `.version.ready`. */
  readonly versionReady: boolean;
}

/** One reconcile of KMM on a node: what is loaded after it, and the label changes it makes. */
export function kmmReconcile(input: KmmNodeInput): {
  readonly loaded: Loaded;
  readonly ops: Record<string, string | null>;
} {
  const ns = input.namespace;
  const loaded: Loaded = { ...input.loaded };
  const ops: Record<string, string | null> = {};
  for (const m of ['onload', 'sfc'] as const) {
    const want = input.labels[kmmVersionLabel(ns, m)];
    const have = loaded[m];
    if (have !== undefined && want !== have) {
      if (m === 'sfc' && loaded.onload !== undefined) continue; // in use by onload: unload fails
      loaded[m] = undefined;
      ops[kmmReadyLabel(ns, m)] = null;
      ops[kmmVersionReadyLabel(ns, m)] = null;
    } else if (have === undefined && want !== undefined && want === input.moduleVersion(m)) {
      if (m === 'onload' && input.broken) continue;
      if (m === 'onload' && input.sfcManaged && loaded.sfc === undefined) continue;
      loaded[m] = want;
      ops[kmmReadyLabel(ns, m)] = '';
      if (input.versionReady) ops[kmmVersionReadyLabel(ns, m)] = want;
    }
  }
  return { loaded, ops };
}

/** What KMM has loaded on a node, as its labels say (a cluster that starts with drivers loaded). */
export function loadedFromLabels(
  namespace: string,
  labels: Readonly<Record<string, string>>,
): Loaded {
  const loaded: Loaded = {};
  for (const m of ['onload', 'sfc'] as const)
    if (Object.hasOwn(labels, kmmReadyLabel(namespace, m)))
      loaded[m] =
        labels[kmmVersionReadyLabel(namespace, m)] ?? labels[kmmVersionLabel(namespace, m)] ?? '';
  return loaded;
}

/** The device plugin and control plane DaemonSets run on the node (selector aside). */
export function servicesRun(namespace: string, labels: Readonly<Record<string, string>>): boolean {
  return (
    Object.hasOwn(labels, kmmReadyLabel(namespace, 'onload')) &&
    !Object.hasOwn(labels, pausedLabel(namespace))
  );
}
