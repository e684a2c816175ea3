// Where each thing goes in the bundle. Pure; every path is relative to the bundle's root folder.

/** One path segment from an object name: [A-Za-z0-9._-] kept, anything else `_`, never `.`/`..`. */
export function segment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

const yaml = (folder: string, name: string): string => `${folder}/${segment(name)}.yaml`;

export const paths = {
  readme: 'README.txt',
  index: 'index.json',
  version: 'cluster/version.yaml',
  namespace: 'cluster/namespace.yaml',
  events: 'cluster/events.yaml',
  disruptionBudgets: 'cluster/poddisruptionbudgets.yaml',
  onload: (name: string) => yaml('cluster/onload', name),
  module: (name: string) => yaml('cluster/kmm/modules', name),
  nodeModulesConfig: (name: string) => yaml('cluster/kmm/nodemodulesconfigs', name),
  moduleImagesConfig: (name: string) => yaml('cluster/kmm/moduleimagesconfigs', name),
  daemonSet: (name: string) => yaml('cluster/daemonsets', name),
  deployment: (name: string) => yaml('cluster/deployments', name),
  job: (name: string) => yaml('cluster/jobs', name),
  pod: (pod: string) => `pods/${segment(pod)}/pod.yaml`,
  podLog: (pod: string, container: string, previous: boolean) =>
    `pods/${segment(pod)}/${segment(container)}${previous ? '.previous' : ''}.log`,
  kmmOperatorPod: (namespace: string, pod: string) =>
    `kmm-operator/${segment(namespace)}/${segment(pod)}/pod.yaml`,
  kmmOperatorLog: (namespace: string, pod: string, container: string, previous: boolean) =>
    `kmm-operator/${segment(namespace)}/${segment(pod)}/${segment(container)}${previous ? '.previous' : ''}.log`,
  node: (node: string) => `nodes/${segment(node)}/node.yaml`,
  nodeEvents: (node: string) => `nodes/${segment(node)}/events.yaml`,
  /** The seam for per-node diagnostics (the troubleshooting pods' reports). */
  nodeDiagnostics: (node: string, file: string) =>
    `nodes/${segment(node)}/diagnostics/${segment(file)}`,
  helmRevision: (release: string, revision: number) =>
    `helm/${segment(release)}/revision-${revision}.yaml`,
} as const;

/** Why a caller-given path (extra files, collectors) cannot go in the bundle; undefined if it can. */
export function pathProblem(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || /[\\\0]/.test(path))
    return `bundle path ${JSON.stringify(path)} must be relative, with no empty, . or .. parts`;
  if (path === paths.index || path === paths.readme)
    return `bundle path ${path} is the bundle's own index`;
  return undefined;
}

export function checkedPath(path: string): string {
  const problem = pathProblem(path);
  if (problem !== undefined) throw new Error(problem);
  return path;
}

/** `onload-support-<namespace>-<UTC yyyymmddThhmmssZ>`: the bundle's root folder. */
export function bundleName(namespace: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `onload-support-${segment(namespace)}-${stamp}`;
}
