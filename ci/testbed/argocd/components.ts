// Command lines and base objects of the test bed's Argo CD: redis, repo-server and
// application-controller run on the host against the bed's API server, all on loopback (the way
// Argo CD's own development setup runs them out of cluster). Pure: paths and ports in, argv out.

export const argoCdNamespace = 'argocd';

export interface ArgoCdLayout {
  readonly redisPort: number;
  readonly repoServerPort: number;
  readonly repoServerMetricsPort: number;
  readonly controllerMetricsPort: number;
  readonly kubeconfig: string;
  /** Working directory of the repo-server (its git checkouts and Helm caches). */
  readonly workDir: string;
}

export function redisArgs(l: ArgoCdLayout): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(l.redisPort),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    l.workDir,
  ];
}

const redisAddress = (l: ArgoCdLayout): string => `127.0.0.1:${l.redisPort}`;

export function repoServerArgs(l: ArgoCdLayout): string[] {
  return [
    '--address',
    '127.0.0.1',
    '--port',
    String(l.repoServerPort),
    '--metrics-address',
    '127.0.0.1',
    '--metrics-port',
    String(l.repoServerMetricsPort),
    '--redis',
    redisAddress(l),
    // plaintext gRPC on loopback; an empty client CA path is what turns client-cert checks off
    '--disable-tls',
    '--client-ca-path',
    '',
    '--loglevel',
    'info',
    '--logformat',
    'text',
  ];
}

export function controllerArgs(l: ArgoCdLayout): string[] {
  return [
    '--kubeconfig',
    l.kubeconfig,
    '--namespace',
    argoCdNamespace,
    '--repo-server',
    `127.0.0.1:${l.repoServerPort}`,
    '--repo-server-plaintext',
    '--redis',
    redisAddress(l),
    '--metrics-port',
    String(l.controllerMetricsPort),
    '--status-processors',
    '4',
    '--operation-processors',
    '4',
    '--loglevel',
    'info',
    '--logformat',
    'text',
  ];
}

/** The environment each Argo CD component needs: the one binary acts as ARGOCD_BINARY_NAME. */
export function componentEnv(
  binaryName: 'argocd-repo-server' | 'argocd-application-controller',
  l: ArgoCdLayout,
  pathDirs: readonly string[],
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  return {
    ...base,
    ARGOCD_BINARY_NAME: binaryName,
    // Not in a pod: https://kubernetes.default.svc (the "in-cluster" destination) then means the
    // cluster of the default kubeconfig, which KUBECONFIG names.
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    KUBECONFIG: l.kubeconfig,
    PATH: [...pathDirs, base.PATH ?? '/usr/bin:/bin'].join(':'),
  };
}

/** The AppProject every Application of the bed uses: any source, any destination, any kind. */
export function defaultProject(): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: argoCdNamespace },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
}
