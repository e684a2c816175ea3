// What the runner executes for one of our pods: the container's `node /app/<entry>.mjs` command
// mapped onto this machine, and the container's environment resolved as a kubelet resolves it.
// Pure.
import { join } from 'node:path';
import { components, imageAppDir } from '../../../../hooks/src/contract.ts';
import type { ContainerView, EnvVarView, PodView } from '../kube/views.ts';

export const runnerComponents: readonly string[] = [components.hook, components.labeller];

/** The chart's hook and labeller pods: executed on this machine by the runner. */
export function isRunnerPod(pod: PodView): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (
    labels['app.kubernetes.io/name'] === 'onload' &&
    runnerComponents.includes(labels['app.kubernetes.io/component'] ?? '')
  );
}

/**
 * Whether a node is one of the bed's fake (KWOK) nodes, whose pods the runner executes; a real
 * node's kubelet runs its own pods.
 */
export function isFakeNode(
  node: { metadata?: { annotations?: Record<string, string> } } | undefined,
): boolean {
  return node?.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake';
}

export interface HostCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * `node /app/x.mjs ...` becomes `<this Node> <first app dir holding x.mjs>/x.mjs ...` (or, when
 * none holds it, the path in the first app dir, so node's error names where it looked).
 */
export function hostCommand(
  container: ContainerView,
  appDirs: readonly string[],
  nodeBinary: string,
  exists: (path: string) => boolean,
): HostCommand | { readonly error: string } {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const [program, ...rest] = argv;
  if (program === undefined)
    return {
      error: `container ${container.name} has no command: the runner cannot know the image's entrypoint`,
    };
  if (program !== 'node')
    return {
      error: `the test-bed runner only runs "node ${imageAppDir}/<entry>.mjs", not "${argv.join(' ')}"`,
    };
  const prefix = `${imageAppDir}/`;
  const mapped = rest.map((arg) => {
    if (!arg.startsWith(prefix)) return arg;
    const candidates = appDirs.map((dir) => join(dir, arg.slice(prefix.length)));
    return candidates.find(exists) ?? candidates[0] ?? arg;
  });
  return { file: nodeBinary, args: mapped };
}

/** ConfigMap / Secret data by name (undefined: the object does not exist). */
export interface EnvSources {
  readonly configMaps: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
}

export function envSourceNames(container: ContainerView): {
  configMaps: string[];
  secrets: string[];
} {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name ?? '');
    if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name ?? '');
  }
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) configMaps.add(from.configMapRef.name ?? '');
    if (from.secretRef) secrets.add(from.secretRef.name ?? '');
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

function fieldValue(pod: PodView, path: string): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed)
    return pod.metadata?.[keyed[1] === 'labels' ? 'labels' : 'annotations']?.[keyed[2] ?? ''] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
    'status.hostIP': pod.status?.hostIP ?? '',
    'status.podIP': pod.status?.podIP ?? '',
  };
  return path in fields ? (fields[path] ?? '') : undefined;
}

/** `$(NAME)` refers to an earlier variable; `$$(NAME)` is a literal `$(NAME)`. */
function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$(\$?)\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
    (whole, escaped: string, name: string) => (escaped ? whole.slice(1) : (env[name] ?? whole)),
  );
}

function keyFrom(
  kind: 'ConfigMap' | 'Secret',
  objects: EnvSources['configMaps'],
  namespace: string,
  ref: { name?: string; key: string; optional?: boolean },
): { value?: string; error?: string } {
  const name = ref.name ?? '';
  const data = objects.get(name);
  if (!data) return ref.optional ? {} : { error: `${kind.toLowerCase()} "${name}" not found` };
  const value = data[ref.key];
  if (value === undefined)
    return ref.optional
      ? {}
      : { error: `couldn't find key ${ref.key} in ${kind} ${namespace}/${name}` };
  return { value };
}

function oneVar(
  e: EnvVarView,
  pod: PodView,
  sources: EnvSources,
  env: Readonly<Record<string, string>>,
): { value?: string; error?: string } {
  const namespace = pod.metadata?.namespace ?? '';
  const from = e.valueFrom;
  if (!from) return { value: expand(e.value ?? '', env) };
  if (from.fieldRef) {
    const value = fieldValue(pod, from.fieldRef.fieldPath);
    return value === undefined
      ? { error: `env ${e.name}: the runner does not support fieldRef ${from.fieldRef.fieldPath}` }
      : { value };
  }
  if (from.configMapKeyRef)
    return keyFrom('ConfigMap', sources.configMaps, namespace, from.configMapKeyRef);
  if (from.secretKeyRef) return keyFrom('Secret', sources.secrets, namespace, from.secretKeyRef);
  return { error: `env ${e.name}: the runner does not support this valueFrom` };
}

/** The container's environment, or the error a kubelet would report (CreateContainerConfigError). */
export function resolveEnv(
  container: ContainerView,
  pod: PodView,
  sources: EnvSources,
): { readonly env: Record<string, string> } | { readonly error: string } {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name ?? from.secretRef?.name ?? '';
    const data = from.configMapRef ? sources.configMaps.get(name) : sources.secrets.get(name);
    const optional = from.configMapRef?.optional ?? from.secretRef?.optional ?? false;
    if (!data && !optional)
      return { error: `${from.configMapRef ? 'configmap' : 'secret'} "${name}" not found` };
    for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    const { value, error } = oneVar(e, pod, sources, env);
    if (error) return { error };
    if (value !== undefined) env[e.name] = value;
  }
  return { env };
}
