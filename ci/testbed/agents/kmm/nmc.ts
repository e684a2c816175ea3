// KMM's Module -> NodeModulesConfig rules (what should be loaded on a node) and the NMC worker
// rules (which worker pod to run so the status catches up with the spec). Pure.
import { parse } from 'yaml';
import type { NodeView, PodView } from '../kube/views.ts';
import {
  moduleNameLabel,
  readyLabel,
  readyLabelledModules,
  refKey,
  versionReadyLabel,
  workerConfigAnnotation,
  workerActionLabel,
  workerModuleVersionAnnotation,
  workerVersionLabel,
  type ModuleRef,
} from './labels.ts';
import { moduleConfigFor, nodeKernel, selectsNode, untoleratedTaints } from './targeting.ts';
import { rfc3339 } from '../time.ts';
import type { Module, ModuleConfig, NmcEntry } from './types.ts';

/** JSON with sorted keys, so equal configs compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export function sameConfig(a: ModuleConfig | undefined, b: ModuleConfig | undefined): boolean {
  return a !== undefined && b !== undefined && canonical(a) === canonical(b);
}

function entryKey(entry: ModuleRef): string {
  return refKey(entry);
}

/**
 * The node's NMC spec entry for one Module: `set` (load/keep this config), `remove` (unload), or
 * `keep` (leave whatever is there: a frozen node whose worker label is at an older version).
 */
export type SpecDecision =
  | { readonly kind: 'set'; readonly entry: NmcEntry }
  | { readonly kind: 'remove'; readonly why: string }
  | { readonly kind: 'keep' };

export interface SpecOptions {
  readonly nmcHasVersion: boolean;
  /** KMM >= 2.4: whether the Module's ModuleImagesConfig says the image exists. */
  readonly imageChecked?: (module: Module, image: string) => boolean;
}

export function specDecision(module: Module, node: NodeView, options: SpecOptions): SpecDecision {
  const labels = node.metadata?.labels ?? {};
  const { namespace, name } = module.metadata;
  if (!selectsNode(module, labels)) return { kind: 'remove', why: 'selector does not match' };
  const taints = untoleratedTaints(node.spec?.taints ?? [], module.spec.tolerations ?? []);
  if (taints.length > 0)
    return { kind: 'remove', why: `untolerated taint ${taints[0]?.key ?? ''}` };
  const config = moduleConfigFor(module, nodeKernel(node));
  if (!config) return { kind: 'remove', why: `no kernel mapping for ${nodeKernel(node)}` };
  const version = module.spec.moduleLoader?.container.version || undefined;
  const worker = labels[workerVersionLabel(namespace, name)] || undefined;
  if (version !== undefined && worker === undefined)
    return { kind: 'remove', why: 'no worker version label' };
  if (version !== undefined && worker !== version) return { kind: 'keep' };
  // KMM configures a node only for an image its image check found; a missing one, never.
  if (options.imageChecked && !options.imageChecked(module, config.containerImage))
    return { kind: 'keep' };
  const loader = module.spec.moduleLoader;
  return {
    kind: 'set',
    entry: {
      name,
      namespace,
      serviceAccountName: loader?.serviceAccountName ?? '',
      ...(module.spec.imageRepoSecret ? { imageRepoSecret: module.spec.imageRepoSecret } : {}),
      config,
      ...(options.nmcHasVersion && version !== undefined ? { version } : {}),
    },
  };
}

/** The node's next NMC spec: entries of deleted Modules go, the others follow `specDecision`. */
export function nextSpec(
  current: readonly NmcEntry[],
  modules: readonly Module[],
  node: NodeView,
  options: SpecOptions,
): NmcEntry[] {
  const byKey = new Map(current.map((e) => [entryKey(e), e]));
  const next = new Map<string, NmcEntry>();
  for (const module of modules) {
    const key = entryKey(module.metadata);
    const decision = specDecision(module, node, options);
    if (decision.kind === 'set') next.set(key, decision.entry);
    const kept = byKey.get(key);
    if (decision.kind === 'keep' && kept) next.set(key, kept);
  }
  return [...next.values()].sort((a, b) => entryKey(a).localeCompare(entryKey(b)));
}

export type WorkerAction = 'Load' | 'Unload';

export type WorkerStep =
  | { readonly kind: 'create'; readonly action: WorkerAction; readonly entry: NmcEntry }
  | { readonly kind: 'delete'; readonly pod: PodView; readonly why: string }
  | { readonly kind: 'loaded'; readonly entry: NmcEntry; readonly pod: PodView }
  | { readonly kind: 'unloaded'; readonly pod: PodView }
  | { readonly kind: 'forget'; readonly entry: NmcEntry; readonly why: string };

export function workerAction(pod: PodView): WorkerAction | undefined {
  const action = pod.metadata?.labels?.[workerActionLabel];
  return action === 'Load' || action === 'Unload' ? action : undefined;
}

export function podConfig(pod: PodView): ModuleConfig | undefined {
  const text = pod.metadata?.annotations?.[workerConfigAnnotation];
  // KMM writes it as YAML; the stand-in as JSON (which YAML reads too).
  return text ? (parse(text) as ModuleConfig) : undefined;
}

function restarts(pod: PodView): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0);
}

/** The status entry a succeeded Load pod stands for. */
function loadedEntry(pod: PodView, ref: ModuleRef, config: ModuleConfig, now: Date): NmcEntry {
  const version = pod.metadata?.annotations?.[workerModuleVersionAnnotation];
  return {
    name: ref.name,
    namespace: ref.namespace,
    serviceAccountName: pod.spec?.serviceAccountName ?? '',
    config,
    ...(version ? { version } : {}),
    lastTransitionTime: rfc3339(now),
  };
}

/** When the node's Ready condition last turned True (after a reboot, for one). */
export function readySince(node: NodeView): Date | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return ready?.lastTransitionTime ? new Date(ready.lastTransitionTime) : undefined;
}

/** KMM loads again a module loaded before the node last became Ready: a reboot emptied the kernel. */
function loadedBeforeReboot(status: NmcEntry, nodeReadySince: Date | undefined): boolean {
  if (!nodeReadySince || !status.lastTransitionTime) return false;
  return new Date(status.lastTransitionTime).getTime() < nodeReadySince.getTime();
}

/**
 * A module no longer wanted on a node that became Ready after it was loaded (a reboot, as KMM
 * 2.2/2.3 detect it) is not in the kernel: KMM runs no Unload worker for it. KMM 2.3 drops the
 * status entry (KMM 2.2 waits for the spec instead; KMM >= 2.4 tells a reboot by its boot ID); a
 * worker pod still there is then an orphan. A finished pod is recorded first, as KMM's SyncStatus
 * does.
 */
function rebootedUnwanted(
  spec: NmcEntry | undefined,
  status: NmcEntry | undefined,
  pod: PodView | undefined,
  nodeReadySince: Date | undefined,
): WorkerStep | undefined {
  const phase = pod?.status?.phase;
  if (spec || !status || phase === 'Succeeded' || phase === 'Failed') return undefined;
  if (!loadedBeforeReboot(status, nodeReadySince)) return undefined;
  return { kind: 'forget', entry: status, why: 'node rebooted since the load: nothing to unload' };
}

/** The NodeModulesConfig status once a finished worker pod (or a reboot) is recorded. */
export function recordedStatus(
  status: readonly NmcEntry[],
  step: Extract<WorkerStep, { kind: 'loaded' | 'unloaded' | 'forget' }>,
): NmcEntry[] {
  const ref: ModuleRef =
    step.kind === 'unloaded'
      ? {
          namespace: step.pod.metadata?.namespace ?? '',
          name: step.pod.metadata?.labels?.[moduleNameLabel] ?? '',
        }
      : step.entry;
  const others = status.filter((e) => entryKey(e) !== entryKey(ref));
  return step.kind === 'loaded' ? [...others, step.entry] : others;
}

/**
 * Next step for one Module on one node, from its NMC spec entry, status entry and worker pod
 * (`pod` undefined: none, or one being deleted — then nothing happens until it is gone).
 */
export function workerStep(
  ref: ModuleRef,
  spec: NmcEntry | undefined,
  status: NmcEntry | undefined,
  pod: PodView | undefined,
  now: Date,
  nodeReadySince?: Date,
): WorkerStep | undefined {
  const forget = rebootedUnwanted(spec, status, pod, nodeReadySince);
  if (forget) return forget;
  if (pod) {
    if (pod.metadata?.deletionTimestamp) return undefined;
    const action = workerAction(pod);
    const config = podConfig(pod);
    const phase = pod.status?.phase;
    if (phase === 'Failed') return { kind: 'delete', pod, why: 'worker pod failed' };
    if (phase === 'Succeeded') {
      if (action === 'Load' && config)
        return status &&
          sameConfig(status.config, config) &&
          !loadedBeforeReboot(status, nodeReadySince)
          ? { kind: 'delete', pod, why: 'load recorded' }
          : { kind: 'loaded', entry: loadedEntry(pod, ref, config, now), pod };
      return status ? { kind: 'unloaded', pod } : { kind: 'delete', pod, why: 'unload recorded' };
    }
    if (!spec && !status) return { kind: 'delete', pod, why: 'orphan worker pod' };
    if (action === 'Load' && !spec)
      return { kind: 'delete', pod, why: 'module no longer wanted on the node' };
    if (action === 'Load' && spec && restarts(pod) > 0 && !sameConfig(spec.config, config))
      return { kind: 'delete', pod, why: 'failing worker pod has an outdated config' };
    return undefined;
  }
  if (spec && !status) return { kind: 'create', action: 'Load', entry: spec };
  if (spec && status && !sameConfig(spec.config, status.config))
    return spec.config.kernelVersion === status.config.kernelVersion
      ? { kind: 'create', action: 'Unload', entry: status }
      : { kind: 'create', action: 'Load', entry: spec };
  if (!spec && status) return { kind: 'create', action: 'Unload', entry: status };
  if (spec && status && loadedBeforeReboot(status, nodeReadySince))
    return { kind: 'create', action: 'Load', entry: spec };
  return undefined;
}

export interface ReadyChange {
  readonly ref: ModuleRef;
  readonly loaded: boolean;
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

/**
 * KMM's ready labels: `.ready` (and, KMM >= 2.5, `.version.ready`) appear when the status has
 * caught up with the spec, and go when the module is neither wanted nor loaded any more.
 */
export function readyChanges(
  labels: Readonly<Record<string, string>>,
  spec: readonly NmcEntry[],
  status: readonly NmcEntry[],
  writesVersionReady: boolean,
): ReadyChange[] {
  const specs = new Map(spec.map((e) => [entryKey(e), e]));
  const statuses = new Map(status.map((e) => [entryKey(e), e]));
  const changes: ReadyChange[] = [];
  for (const [key, wanted] of specs) {
    const loaded = statuses.get(key);
    if (readyLabel(wanted.namespace, wanted.name) in labels) continue;
    if (!loaded || !sameConfig(wanted.config, loaded.config)) continue;
    const version =
      loaded.version ?? (labels[workerVersionLabel(wanted.namespace, wanted.name)] || undefined);
    changes.push({
      ref: wanted,
      loaded: true,
      set: {
        [readyLabel(wanted.namespace, wanted.name)]: '',
        ...(writesVersionReady && version
          ? { [versionReadyLabel(wanted.namespace, wanted.name)]: version }
          : {}),
      },
      remove: [],
    });
  }
  for (const ref of readyLabelledModules(labels)) {
    const key = entryKey(ref);
    if (specs.has(key) || statuses.has(key)) continue;
    changes.push({
      ref,
      loaded: false,
      set: {},
      remove: [readyLabel(ref.namespace, ref.name), versionReadyLabel(ref.namespace, ref.name)],
    });
  }
  return changes;
}

/**
 * KMM drops `.ready` and `.version.ready` at once when a node gets a NoSchedule/NoExecute taint a
 * Module selecting it does not tolerate (a cordon included): the label keys to remove now.
 */
export function taintedReadyLabels(
  labels: Readonly<Record<string, string>>,
  modules: readonly Module[],
  node: NodeView,
): string[] {
  const keys: string[] = [];
  for (const module of modules) {
    const { namespace, name } = module.metadata;
    if (!selectsNode(module, labels)) continue;
    if (untoleratedTaints(node.spec?.taints ?? [], module.spec.tolerations ?? []).length === 0)
      continue;
    for (const key of [readyLabel(namespace, name), versionReadyLabel(namespace, name)])
      if (key in labels) keys.push(key);
  }
  return keys;
}

/** A copy in random order. */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
