// Changes of a KMM Module's loader other than its version. KMM stages a reload node by node only
// through the version label; any other change of spec.moduleLoader reaches every node's
// NodeModulesConfig at once and KMM reloads the driver everywhere, without eviction. The pre hook
// refuses such a change unless spec.upgrade.applyLoaderChangesAtOnce lets it through.
import type { LoaderSpec, ModuleView } from '../kube/port.ts';

export interface LoaderChange {
  /** Field path under the Module's spec, e.g. moduleLoader.container.imagePullPolicy. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Values KMM's CRD fills in when the chart leaves them out. */
const crdDefaults: Readonly<Record<string, unknown>> = { 'container.modprobe.dirName': '/opt' };

/** How the live loader differs from the desired one, ignoring the version. */
export function loaderChanges(live: LoaderSpec, desired: LoaderSpec): LoaderChange[] {
  const changes: LoaderChange[] = [];
  collect(normalise(live, ''), normalise(desired, ''), 'moduleLoader', changes);
  return changes;
}

export interface LoaderCheck {
  readonly namespace: string;
  readonly desiredVersion: string;
  /** The live Modules by name. */
  readonly modules: Readonly<Record<string, ModuleView | undefined>>;
  /** What the release renders, by Module name. */
  readonly desired: Readonly<Record<string, LoaderSpec>>;
}

export interface ModuleLoaderChanges {
  readonly module: string;
  readonly changes: readonly LoaderChange[];
}

/** Modules that keep the desired version but whose loader changes (a new version rolls anyway). */
export function sameVersionLoaderChanges(c: LoaderCheck): ModuleLoaderChanges[] {
  return Object.entries(c.desired).flatMap(([name, desired]) => {
    const live = c.modules[name];
    if (live?.version !== c.desiredVersion) return [];
    const changes = loaderChanges(live.loader, desired);
    return changes.length > 0 ? [{ module: name, changes }] : [];
  });
}

/** The changed fields of each Module, one clause per Module. */
export function describeLoaderChanges(
  namespace: string,
  found: readonly ModuleLoaderChanges[],
): string {
  return found
    .map(
      (m) =>
        `KMM Module ${namespace}/${m.module}: ${m.changes
          .map((c) => `spec.${c.path} ${show(c.from)} → ${show(c.to)}`)
          .join(', ')}`,
    )
    .join('; ');
}

/** The pre hook's refusal: what changes, why it is refused, and the two ways forward. */
export function loaderChangeProblem(c: LoaderCheck, found: readonly ModuleLoaderChanges[]): string {
  return (
    `the kernel-module loader changes while onload.version stays ${c.desiredVersion} ` +
    `(${describeLoaderChanges(c.namespace, found)}): KMM would reload the driver on every selected node ` +
    `at once, without draining them, because it rolls node by node only on a version change. ` +
    `Ship the change with a new onload.version (a new driver build, or a new name for the same build: ` +
    `the device plugin and control plane compare the driver with their userland's own version) to have it rolled node by node, ` +
    `or set upgrade.applyLoaderChangesAtOnce=true for this upgrade to accept the reload of every node at once`
  );
}

function normalise(value: unknown, path: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v, `${path}[]`));
    return items.every((i) => i === undefined) ? undefined : items;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(renamed(value as Record<string, unknown>))
      .map(([k, v]) => [k, normalise(v, path ? `${path}.${k}` : k)] as const)
      .filter(([k, v]) => v !== undefined && !(path === 'container' && k === 'version'));
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  if (value === null || value === '' || crdDefaults[path] === value) return undefined;
  return value;
}

/** KMM >= 2.2 turns the deprecated inTreeModuleToRemove into inTreeModulesToRemove. */
function renamed(o: Record<string, unknown>): Record<string, unknown> {
  const { inTreeModuleToRemove, ...rest } = o;
  if (typeof inTreeModuleToRemove !== 'string' || inTreeModuleToRemove === '') return o;
  return { ...rest, inTreeModulesToRemove: [inTreeModuleToRemove] };
}

function collect(live: unknown, desired: unknown, path: string, out: LoaderChange[]): void {
  if (isMap(live) && isMap(desired)) {
    for (const key of [...new Set([...Object.keys(live), ...Object.keys(desired)])].sort())
      collect(live[key], desired[key], `${path}.${key}`, out);
    return;
  }
  if (Array.isArray(live) && Array.isArray(desired) && live.length === desired.length) {
    live.forEach((item, i) => {
      collect(item, desired[i], `${path}[${i}]`, out);
    });
    return;
  }
  if (JSON.stringify(live) !== JSON.stringify(desired)) out.push({ path, from: live, to: desired });
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
