// Converts an upstream Onload CR (Xilinx-CNS/kubernetes-onload v3.0 operator) into values for
// this chart, noting each thing it could not carry over or that needs the user's attention.
import { isJsonObject, type JsonObject, type JsonValue } from '../json.ts';

export interface MigrationNote {
  /** Where in the CR (or the input) the note is about. */
  readonly path: string;
  /** True when the values need the user's edit before they can be installed. */
  readonly action: boolean;
  /** True when a value of the input is not in the values (as it was). */
  readonly dropped: boolean;
  readonly message: string;
}

export interface Migration {
  readonly values: JsonObject;
  readonly notes: readonly MigrationNote[];
  readonly name: string | undefined;
  readonly namespace: string | undefined;
}

export interface MigrationContext {
  /** The chart's default selector (values.yaml): its keys must be nulled to replace it. */
  readonly defaultSelector: Readonly<Record<string, string>>;
}

export class MigrationError extends Error {}

const upstreamGroup = 'onload.amd.com';

/** Upstream v3.0 spec keys, and how each one is named in the chart. */
const onloadKeys = ['version', 'userImage', 'kernelMappings', 'imagePullPolicy', 'controlPlane'];
const devicePluginKeys: Readonly<Record<string, string>> = {
  imagePullPolicy: 'imagePullPolicy',
  maxPodsPerNode: 'maxPodsPerNode',
  setPreload: 'setPreload',
  mountOnload: 'mountOnload',
  hostOnloadPath: 'hostOnloadPath',
  baseMountPath: 'baseMountPath',
  binMountPath: 'binMountPath',
  libMounthPath: 'libMountPath',
};
const mappingKeys = ['regexp', 'kernelModuleImage', 'sfc', 'build'];
const specKeys = ['onload', 'devicePlugin', 'selector', 'serviceAccountName'];

export function migrate(documents: readonly unknown[], context: MigrationContext): Migration {
  const notes: MigrationNote[] = [];
  const note: Note = (path, message, flags = {}) => {
    notes.push({ path, action: flags.action ?? false, dropped: flags.dropped ?? false, message });
  };
  const onloads = documents.filter(isOnload);
  if (onloads.length === 0) {
    throw new MigrationError(
      `no Onload resource (apiVersion ${upstreamGroup}/v1alpha1, kind Onload) in the input`,
    );
  }
  if (onloads.length > 1) {
    const names = onloads.map((d) => JSON.stringify(metadataOf(d).name ?? '(unnamed)')).join(', ');
    throw new MigrationError(
      `the input has ${onloads.length} Onload resources (${names}); convert one at a time (one chart release per Onload)`,
    );
  }
  const cr = onloads[0] as JsonObject;
  const others = documents.filter((d) => d !== null && !isOnload(d));
  const workloadRbac = workloadRbacOf(others, cr);
  for (const other of others) notOnload(other, workloadRbac.has(other), note);

  const metadata = metadataOf(cr);
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  note(
    'metadata',
    `${namespace ? 'name and namespace become' : 'name becomes'} the Helm release: helm install ${name ?? '<release>'} ` +
      `charts/onload${namespace ? ` --namespace ${namespace}` : ' --namespace <namespace>'} -f <values>; ` +
      'the chart names the Onload CR after the release.',
    dropped,
  );
  for (const key of ['labels', 'annotations'] as const) {
    if (isJsonObject(metadata[key]) && Object.keys(metadata[key]).length > 0) {
      note(
        `metadata.${key}`,
        `not carried over (${Object.keys(metadata[key]).join(', ')}); use commonLabels for labels on every resource`,
        dropped,
      );
    }
  }
  if (cr.apiVersion !== `${upstreamGroup}/v1alpha1`) {
    note(
      'apiVersion',
      `${JSON.stringify(cr.apiVersion ?? null)} is not the v1alpha1 this converter knows; check the result`,
    );
  }
  if (cr.status !== undefined)
    note('status', "written by the operator; the chart's hooks write their own", dropped);
  for (const key of Object.keys(cr)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key)) {
      note(key, 'unknown top-level key, dropped', dropped);
    }
  }

  const spec = isJsonObject(cr.spec) ? cr.spec : {};
  if (!isJsonObject(cr.spec)) note('spec', 'missing: nothing to convert', action);
  const values: JsonObject = {};
  const onload = convertOnload(spec.onload, note);
  values.onload = onload.values;
  if (spec.devicePlugin !== undefined)
    values.devicePlugin = convertDevicePlugin(spec.devicePlugin, note);
  const selector = convertSelector(spec.selector, context, note);
  if (selector) values.selector = selector;
  if (spec.serviceAccountName !== undefined) {
    values.serviceAccountName = spec.serviceAccountName;
    if (spec.serviceAccountName !== '') {
      note(
        'spec.serviceAccountName',
        `ServiceAccount ${JSON.stringify(spec.serviceAccountName)} must exist in the release namespace with the rights ` +
          'the upstream sample gave it (get pods; on OpenShift use of SCC privileged). Set it to "" to let the chart ' +
          'create one.',
      );
    }
  }
  values.sfc = { enabled: onload.anySfcMarker };
  note(
    'spec.onload.kernelMappings[].sfc',
    onload.anySfcMarker
      ? 'some mappings carry the sfc marker: sfc.enabled: true, and the markers are kept (only those mappings build the sfc Module)'
      : 'no mapping carries the sfc marker, so upstream managed no sfc Module: sfc.enabled: false keeps that',
  );
  for (const key of Object.keys(spec)) {
    if (!specKeys.includes(key))
      note(`spec.${key}`, 'not an upstream Onload v3.0 spec key; dropped', dropped);
  }
  note(
    'images.devicePlugin',
    "the device plugin image was the operator's DEVICE_PLUGIN_IMG setting, not part of the CR; the chart " +
      'uses images.devicePlugin (default docker.io/onload/onload-device-plugin:3.0.0): set it if your operator used another',
  );
  return { values, notes, name, namespace };
}

function isOnload(document: unknown): document is JsonObject {
  return (
    isJsonObject(document) &&
    document.kind === 'Onload' &&
    typeof document.apiVersion === 'string' &&
    document.apiVersion.startsWith(`${upstreamGroup}/`)
  );
}

function metadataOf(document: JsonObject): JsonObject {
  return isJsonObject(document.metadata) ? document.metadata : {};
}

interface NoteFlags {
  readonly action?: boolean;
  readonly dropped?: boolean;
}
type Note = (path: string, message: string, flags?: NoteFlags) => void;
const dropped: NoteFlags = { dropped: true };
const action: NoteFlags = { action: true };
const actionDropped: NoteFlags = { action: true, dropped: true };

/**
 * The ServiceAccount the CR names, RoleBindings that bind it, and the Roles they refer to: the
 * chart creates their equivalent itself.
 */
function workloadRbacOf(documents: readonly unknown[], cr: JsonObject): Set<unknown> {
  const spec = isJsonObject(cr.spec) ? cr.spec : {};
  const account = spec.serviceAccountName;
  const found = new Set<unknown>();
  if (typeof account !== 'string' || account === '') return found;
  const objects = documents.filter(isJsonObject);
  const roles = new Set<string>();
  for (const object of objects) {
    const name = metadataOf(object).name;
    if (object.kind === 'ServiceAccount' && name === account) found.add(object);
    const subjects = Array.isArray(object.subjects) ? object.subjects : [];
    const bindsAccount = subjects.some(
      (s) => isJsonObject(s) && s.kind === 'ServiceAccount' && s.name === account,
    );
    if (object.kind === 'RoleBinding' && bindsAccount) {
      found.add(object);
      if (isJsonObject(object.roleRef) && typeof object.roleRef.name === 'string') {
        roles.add(object.roleRef.name);
      }
    }
  }
  for (const object of objects) {
    const name = metadataOf(object).name;
    if (object.kind === 'Role' && typeof name === 'string' && roles.has(name)) found.add(object);
  }
  return found;
}

function notOnload(document: unknown, isWorkloadRbac: boolean, note: Note): void {
  const object = isJsonObject(document) ? document : {};
  const kind = typeof object.kind === 'string' ? object.kind : 'document';
  const name = metadataOf(object).name;
  const label = `${kind}/${typeof name === 'string' ? name : '(unnamed)'}`;
  note(
    label,
    isWorkloadRbac
      ? 'not converted: with serviceAccountName "" the chart creates the ServiceAccount and RBAC its pods need'
      : 'not converted: not part of the Onload CR; keep applying it separately if you still need it',
    dropped,
  );
}

function convertOnload(
  raw: JsonValue | undefined,
  note: Note,
): { values: JsonObject; anySfcMarker: boolean } {
  const values: JsonObject = {};
  if (!isJsonObject(raw)) {
    note(
      'spec.onload',
      'missing: set onload.version, onload.userImage and onload.kernelMappings',
      action,
    );
    return { values, anySfcMarker: false };
  }
  if (typeof raw.version === 'string' && raw.version !== '') values.version = raw.version;
  else {
    note(
      'spec.onload.version',
      'empty or missing (upstream kustomize samples leave it to the user): set onload.version, e.g. 8.1.2.26',
      actionDropped,
    );
  }
  if (raw.userImage !== undefined) values.userImage = raw.userImage;
  else note('spec.onload.userImage', 'missing: set onload.userImage', action);

  let anySfcMarker = false;
  const mappings = Array.isArray(raw.kernelMappings) ? raw.kernelMappings : [];
  if (mappings.length === 0) {
    note(
      'spec.onload.kernelMappings',
      'empty or missing: KMM needs at least one mapping (its Module CRD has minItems 1); set onload.kernelMappings',
      actionDropped,
    );
  } else {
    values.kernelMappings = mappings.map((mapping, index) => {
      const converted = convertMapping(
        mapping,
        `spec.onload.kernelMappings[${String(index)}]`,
        note,
      );
      if (converted.sfc !== undefined) anySfcMarker = true;
      return converted;
    });
  }
  if (raw.imagePullPolicy !== undefined) values.imagePullPolicy = raw.imagePullPolicy;
  if (raw.controlPlane !== undefined) {
    if (isJsonObject(raw.controlPlane)) {
      values.controlPlane = {};
      if (raw.controlPlane.parameters !== undefined) {
        values.controlPlane.parameters = raw.controlPlane.parameters;
      }
      dropUnknown(raw.controlPlane, ['parameters'], 'spec.onload.controlPlane', note);
    } else note('spec.onload.controlPlane', 'not an object; dropped', actionDropped);
  }
  dropUnknown(raw, onloadKeys, 'spec.onload', note);
  return { values, anySfcMarker };
}

function convertMapping(raw: JsonValue, path: string, note: Note): JsonObject {
  if (!isJsonObject(raw)) {
    note(path, 'not an object; dropped', actionDropped);
    return {};
  }
  const mapping: JsonObject = {};
  for (const key of ['regexp', 'kernelModuleImage', 'build'] as const) {
    if (raw[key] !== undefined) mapping[key] = raw[key];
  }
  if (raw.sfc !== undefined) {
    mapping.sfc = {};
    if (!isJsonObject(raw.sfc) || Object.keys(raw.sfc).length > 0) {
      note(
        `${path}.sfc`,
        'the marker takes no settings (upstream pruned them); written as sfc: {}',
        dropped,
      );
    }
  }
  if (isJsonObject(raw.build)) {
    const configMap = isJsonObject(raw.build.dockerfileConfigMap)
      ? raw.build.dockerfileConfigMap.name
      : undefined;
    note(
      `${path}.build.dockerfileConfigMap`,
      `ConfigMap ${JSON.stringify(configMap ?? null)} must exist in the release namespace (kustomize generated it ` +
        'with a hash suffix); or let the chart create one with moduleBuild.dockerfiles (e.g. [dtk-ubi]) and use ' +
        'the name onload-module-dockerfile-dtk-ubi',
    );
  }
  dropUnknown(raw, mappingKeys, path, note);
  return mapping;
}

function convertDevicePlugin(raw: JsonValue, note: Note): JsonObject {
  if (!isJsonObject(raw)) {
    note('spec.devicePlugin', 'not an object; dropped', actionDropped);
    return {};
  }
  const values: JsonObject = {};
  for (const [upstream, ours] of Object.entries(devicePluginKeys)) {
    const value = raw[upstream];
    if (value === undefined) continue;
    values[ours] = value;
    if (upstream !== ours) {
      note(
        `spec.devicePlugin.${upstream}`,
        `renamed to devicePlugin.${ours} (the upstream key is misspelt)`,
      );
    }
  }
  if (raw.setPreload === true && raw.mountOnload === true) {
    note(
      'spec.devicePlugin.mountOnload',
      'setPreload and mountOnload are both true, which upstream rejects too: set one of them to false',
      action,
    );
  }
  dropUnknown(raw, Object.keys(devicePluginKeys), 'spec.devicePlugin', note);
  return values;
}

function convertSelector(
  raw: JsonValue | undefined,
  context: MigrationContext,
  note: Note,
): JsonObject | undefined {
  if (raw === undefined) {
    note('spec.selector', 'missing (upstream requires it): the chart default selector applies');
    return undefined;
  }
  if (!isJsonObject(raw)) {
    note(
      'spec.selector',
      'not a map of labels; dropped: the chart default selector applies',
      actionDropped,
    );
    return undefined;
  }
  const selector: JsonObject = { ...raw };
  const replaced = Object.keys(context.defaultSelector).filter((key) => !(key in raw));
  for (const key of replaced) selector[key] = null;
  if (replaced.length > 0) {
    note(
      'spec.selector',
      `replaces the chart's default selector: ${replaced.join(', ')} set to null, because Helm merges maps with the defaults`,
    );
  }
  return selector;
}

function dropUnknown(raw: JsonObject, known: readonly string[], path: string, note: Note): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key))
      note(`${path}.${key}`, 'not an upstream Onload v3.0 key; dropped', dropped);
  }
}
