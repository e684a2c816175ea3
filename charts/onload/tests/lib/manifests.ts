// Typed views of the rendered objects the tests look into, and finders over a rendering.
import type {
  V1ClusterRole,
  V1ConfigMap,
  V1Container,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1PodSpec,
  V1PolicyRule,
  V1Role,
  V1Toleration,
} from '@kubernetes/client-node';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly finalizers?: string[];
  };
  readonly [field: string]: unknown;
}

export interface KernelMapping {
  readonly regexp?: string;
  readonly literal?: string;
  readonly containerImage: string;
  readonly build?: unknown;
  readonly sign?: unknown;
}

export interface KmmModule extends Manifest {
  readonly spec: {
    readonly selector: Readonly<Record<string, string>>;
    readonly tolerations?: readonly V1Toleration[];
    readonly imageRepoSecret?: { readonly name: string };
    readonly devicePlugin?: unknown;
    readonly moduleLoader: {
      readonly serviceAccountName?: string;
      readonly container: {
        readonly modprobe: {
          readonly moduleName: string;
          readonly parameters?: readonly string[];
          readonly dirName?: string;
          readonly firmwarePath?: string;
        };
        readonly inTreeModuleToRemove?: string;
        readonly inTreeModulesToRemove?: readonly string[];
        readonly version?: string;
        readonly imagePullPolicy?: string;
        readonly kernelMappings: readonly KernelMapping[];
      };
    };
  };
}

export interface MachineConfig extends Manifest {
  readonly spec: {
    readonly config: {
      readonly ignition: { readonly version: string };
      readonly storage: {
        readonly files: readonly {
          readonly path: string;
          readonly mode: number;
          readonly contents: { readonly source: string };
        }[];
      };
      readonly systemd: {
        readonly units: readonly {
          readonly name: string;
          readonly enabled?: boolean;
          readonly mask?: boolean;
          readonly contents?: string;
        }[];
      };
    };
  };
}

export function findAll(objects: readonly Manifest[], kind: string): Manifest[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: readonly Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    const names = findAll(objects, kind).map((o) => o.metadata.name);
    throw new Error(
      `no ${kind} ${name} in the rendering (${kind}s: ${names.join(', ') || 'none'})`,
    );
  }
  return found;
}

export function has(objects: readonly Manifest[], kind: string, name: string): boolean {
  return objects.some((o) => o.kind === kind && o.metadata.name === name);
}

// The client's model classes, as plain object types (rendered objects are not class instances).
export type DaemonSet = Pick<V1DaemonSet, 'apiVersion' | 'kind' | 'metadata' | 'spec'>;
export type Deployment = Pick<V1Deployment, 'apiVersion' | 'kind' | 'metadata' | 'spec'>;
export type Job = Pick<V1Job, 'apiVersion' | 'kind' | 'metadata' | 'spec'>;
export type ConfigMap = Pick<V1ConfigMap, 'apiVersion' | 'kind' | 'metadata' | 'data'>;
export type ClusterRole = Pick<V1ClusterRole, 'apiVersion' | 'kind' | 'metadata' | 'rules'>;
export type Role = Pick<V1Role, 'apiVersion' | 'kind' | 'metadata' | 'rules'>;

export const kmmModule = (objects: readonly Manifest[], name: string): KmmModule =>
  find(objects, 'Module', name) as KmmModule;
export const daemonSet = (objects: readonly Manifest[], name: string): DaemonSet =>
  find(objects, 'DaemonSet', name);
export const deployment = (objects: readonly Manifest[], name: string): Deployment =>
  find(objects, 'Deployment', name);
export const job = (objects: readonly Manifest[], name: string): Job => find(objects, 'Job', name);
export const configMap = (objects: readonly Manifest[], name: string): ConfigMap =>
  find(objects, 'ConfigMap', name);
export const clusterRole = (objects: readonly Manifest[], name: string): ClusterRole =>
  find(objects, 'ClusterRole', name);
export const role = (objects: readonly Manifest[], name: string): Role =>
  find(objects, 'Role', name);
export const machineConfig = (objects: readonly Manifest[], name: string): MachineConfig =>
  find(objects, 'MachineConfig', name) as MachineConfig;

export function podSpec(workload: DaemonSet | Deployment | Job): V1PodSpec {
  const spec = workload.spec?.template.spec;
  if (!spec) throw new Error(`${workload.metadata?.name ?? '?'} has no pod spec`);
  return spec;
}

export function container(spec: V1PodSpec, name: string, init = false): V1Container {
  const list = (init ? spec.initContainers : spec.containers) ?? [];
  const found = list.find((c) => c.name === name);
  if (!found)
    throw new Error(
      `no ${init ? 'init ' : ''}container ${name} (have ${list.map((c) => c.name).join(', ')})`,
    );
  return found;
}

/** Environment of a container as name -> value (literal value, or `fieldRef:<path>`). */
export function envOf(c: V1Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
    out[e.name] = fieldPath ? `fieldRef:${fieldPath}` : (e.value ?? '');
  }
  return out;
}

/** Whether the rules allow `verb` on `resource` of `group` (by name when resourceName is given). */
export function allows(
  rules: readonly V1PolicyRule[] | undefined,
  group: string,
  resource: string,
  verb: string,
  resourceName?: string,
): boolean {
  return (rules ?? []).some(
    (r) =>
      (r.apiGroups ?? []).includes(group) &&
      (r.resources ?? []).includes(resource) &&
      r.verbs.includes(verb) &&
      (r.resourceNames === undefined ||
        r.resourceNames.length === 0 ||
        (resourceName !== undefined && r.resourceNames.includes(resourceName))),
  );
}
