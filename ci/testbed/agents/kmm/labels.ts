// KMM's node labels and worker-pod markers, spelt from KMM's documentation (not from our hooks), so
// a mistake in our own contract shows up against this stand-in instead of being mirrored by it.
const kmmPrefix = 'kmm.node.kubernetes.io/';

/** Written by the user (our hooks): the version this node must run. */
export function versionModuleLabel(namespace: string, name: string): string {
  return `${kmmPrefix}version-module.${namespace}.${name}`;
}

/** KMM-internal: the version label value the node's NodeModulesConfig entry was written for. */
export function workerVersionLabel(namespace: string, name: string): string {
  return `beta.${kmmPrefix}version-worker-pod.${namespace}.${name}`;
}

/** KMM-internal: written after the worker label, even for Modules without a device plugin. */
export function devicePluginVersionLabel(namespace: string, name: string): string {
  return `beta.${kmmPrefix}version-device-plugin.${namespace}.${name}`;
}

export function readyLabel(namespace: string, name: string): string {
  return `${kmmPrefix}${namespace}.${name}.ready`;
}

/** KMM >= 2.5. */
export function versionReadyLabel(namespace: string, name: string): string {
  return `${kmmPrefix}${namespace}.${name}.version.ready`;
}

export const workerActionLabel = `${kmmPrefix}worker-action`;
export const moduleNameLabel = `${kmmPrefix}module.name`;
export const workerConfigAnnotation = `${kmmPrefix}worker-config`;
export const workerModuleVersionAnnotation = `${kmmPrefix}worker-module-version`;

export interface ModuleRef {
  readonly namespace: string;
  readonly name: string;
}

export function refKey(ref: ModuleRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** Modules named by `prefix<ns>.<name>` label keys (a namespace never contains a dot). */
function refsAfter(labels: Readonly<Record<string, string>>, prefix: string): ModuleRef[] {
  return Object.keys(labels)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .filter((rest) => rest.indexOf('.') > 0)
    .map((rest) => ({
      namespace: rest.slice(0, rest.indexOf('.')),
      name: rest.slice(rest.indexOf('.') + 1),
    }));
}

/** Modules with a version-module, worker or device-plugin version label on the node. */
export function versionLabelledModules(labels: Readonly<Record<string, string>>): ModuleRef[] {
  return [
    ...refsAfter(labels, `${kmmPrefix}version-module.`),
    ...refsAfter(labels, `beta.${kmmPrefix}version-worker-pod.`),
    ...refsAfter(labels, `beta.${kmmPrefix}version-device-plugin.`),
  ];
}

/** Modules whose `.ready` label is on the node. */
export function readyLabelledModules(labels: Readonly<Record<string, string>>): ModuleRef[] {
  return Object.keys(labels)
    .filter(
      (key) =>
        key.startsWith(kmmPrefix) &&
        key.endsWith('.ready') &&
        !key.endsWith('.version.ready') &&
        !key.startsWith(`${kmmPrefix}version-module.`),
    )
    .map((key) => key.slice(kmmPrefix.length, -'.ready'.length))
    .filter((rest) => rest.indexOf('.') > 0)
    .map((rest) => ({
      namespace: rest.slice(0, rest.indexOf('.')),
      name: rest.slice(rest.indexOf('.') + 1),
    }));
}
