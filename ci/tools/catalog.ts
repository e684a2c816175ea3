// The pinned tools of the test bed. Each one is built from a wrapper Go module in
// ci/tools/<dir>/ (go.mod + go.sum committed, binaries never) into a cache outside the repo.

export interface BuiltTool {
  /** Wrapper directory under ci/tools/ (and cache key prefix unless `cacheName` is set). */
  readonly dir: string;
  /** Cache key prefix when several tools share one wrapper module. */
  readonly cacheName?: string;
  readonly version: string;
  /** Go package path → binary file name. */
  readonly binaries: Readonly<Record<string, string>>;
  readonly ldflags: readonly string[];
  /** Rough cold-build time on 2 cores, shown while building. */
  readonly coldMinutes: number;
  /** Go toolchain the module needs when newer than the machine's (fetched as a Go module). */
  readonly goToolchain?: string;
  /** The main package is the wrapper module's own code: its files' hash joins the cache key. */
  readonly inRepo?: boolean;
}

const kubeVersion = 'v1.36.5';
const [kubeMajor, kubeMinor] = kubeVersion.slice(1).split('.');

function versionStamp(pkg: string): string[] {
  return [
    `-X ${pkg}.gitVersion=${kubeVersion}`,
    `-X ${pkg}.gitMajor=${kubeMajor ?? ''}`,
    `-X ${pkg}.gitMinor=${kubeMinor ?? ''}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ];
}

export const tools = {
  kubernetes: {
    dir: 'kubernetes',
    version: kubeVersion,
    binaries: {
      'k8s.io/kubernetes/cmd/kube-apiserver': 'kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager': 'kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler': 'kube-scheduler',
      'k8s.io/kubernetes/cmd/kubectl': 'kubectl',
    },
    ldflags: [
      ...versionStamp('k8s.io/component-base/version'),
      ...versionStamp('k8s.io/client-go/pkg/version'),
    ],
    coldMinutes: 9,
  },
  /** The real node's kubelet: same wrapper module and stamps, cached apart so adding it rebuilds nothing else. */
  kubelet: {
    dir: 'kubernetes',
    cacheName: 'kubelet',
    version: kubeVersion,
    binaries: { 'k8s.io/kubernetes/cmd/kubelet': 'kubelet' },
    ldflags: [
      ...versionStamp('k8s.io/component-base/version'),
      ...versionStamp('k8s.io/client-go/pkg/version'),
    ],
    coldMinutes: 3,
  },
  etcd: {
    dir: 'etcd',
    version: 'v3.6.16',
    binaries: { 'go.etcd.io/etcd/server/v3': 'etcd' },
    ldflags: [],
    coldMinutes: 1,
  },
  helm3: {
    dir: 'helm3',
    version: 'v3.21.4',
    binaries: { 'helm.sh/helm/v3/cmd/helm': 'helm' },
    ldflags: [
      '-X helm.sh/helm/v3/internal/version.version=v3.21.4',
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${kubeMajor ?? ''}`,
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${kubeMinor ?? ''}`,
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${kubeMajor ?? ''}`,
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${kubeMinor ?? ''}`,
    ],
    coldMinutes: 2,
  },
  helm4: {
    dir: 'helm4',
    version: 'v4.2.4',
    binaries: { 'helm.sh/helm/v4/cmd/helm': 'helm' },
    ldflags: ['-X helm.sh/helm/v4/internal/version.version=v4.2.4'],
    coldMinutes: 2,
  },
  chartTesting: {
    dir: 'chart-testing',
    version: 'v3.14.0',
    binaries: { 'github.com/helm/chart-testing/v3/ct': 'ct' },
    ldflags: ['-X github.com/helm/chart-testing/v3/ct/cmd.Version=v3.14.0'],
    coldMinutes: 1,
  },
  kwok: {
    dir: 'kwok',
    version: 'v0.8.0',
    binaries: { 'sigs.k8s.io/kwok/cmd/kwok': 'kwok' },
    ldflags: [],
    coldMinutes: 2,
  },
  /** The real KMM manager: the one KMM 2.x the module proxy serves (rh-ecosystem-edge fork, release-2.2). */
  kmm: {
    dir: 'kmm',
    version: 'v0.0.0-20240925181841-898c27853e89',
    binaries: {
      'github.com/rh-ecosystem-edge/kernel-module-management/cmd/manager': 'kmm-manager',
    },
    ldflags: ['-X main.Version=release-2.2', '-X main.GitCommit=898c27853e89'],
    coldMinutes: 5,
  },
  argocd: {
    dir: 'argocd',
    version: 'v3.6.1',
    // One binary; it acts as the component named by ARGOCD_BINARY_NAME.
    binaries: { 'github.com/argoproj/argo-cd/v3/cmd': 'argocd' },
    ldflags: [
      '-X github.com/argoproj/argo-cd/v3/common.version=3.6.1',
      '-X github.com/argoproj/argo-cd/v3/common.buildDate=2026-11-04T13:21:06Z',
    ],
    coldMinutes: 7,
    goToolchain: 'go1.27.4',
  },
  /** Prometheus 3.16 (Go module v0.316.0) and promtool: scrapes the chart's exporters on the bed. */
  prometheus: {
    dir: 'prometheus',
    version: 'v0.316.0',
    binaries: {
      'github.com/prometheus/prometheus/cmd/prometheus': 'prometheus',
      'github.com/prometheus/prometheus/cmd/promtool': 'promtool',
    },
    ldflags: ['-X github.com/prometheus/common/version.Version=3.16.0'],
    coldMinutes: 6,
  },
  /** OpenShift's SCC admission plugin (apiserver-library-go) over rendered manifests: ci/tools/scc-check. */
  sccCheck: {
    dir: 'scc-check',
    version: 'v0.0.0-20250917015549-a8019f39f670',
    binaries: { 'onload.local/tools/scc-check': 'scc-check' },
    ldflags: [],
    coldMinutes: 4,
    inRepo: true,
  },
  /** The Onload device plugin's kubelet side on the real node, for helm test: ci/tools/fixture-device-plugin. */
  fixtureDevicePlugin: {
    dir: 'fixture-device-plugin',
    version: 'v0.36.5',
    binaries: { 'onload.local/tools/fixture-device-plugin': 'fixture-device-plugin' },
    ldflags: [],
    coldMinutes: 1,
    inRepo: true,
  },
} as const satisfies Record<string, BuiltTool>;

export type ToolName = keyof typeof tools;

/** Go modules whose files (CRD manifests, KWOK stages, ct configs) the test bed reads. */
export const sourceModules = {
  /** The pause container's C source (build/pause/linux/pause.c) for the real node's sandbox image. */
  kubernetes: { path: 'k8s.io/kubernetes', version: kubeVersion },
  /** The newest KMM module version this machine's Go module proxy serves (fork, release-2.2). */
  kmm: {
    path: 'github.com/rh-ecosystem-edge/kernel-module-management',
    version: tools.kmm.version,
  },
  openshiftApi: {
    path: 'github.com/openshift/api',
    version: 'v0.0.0-20260813212709-d4bb0b443cb8',
  },
  kwok: { path: 'sigs.k8s.io/kwok', version: tools.kwok.version },
  /** Node Feature Discovery's CRDs (NodeFeatureRule), for server-side dry runs of the chart's rule. */
  nfd: { path: 'sigs.k8s.io/node-feature-discovery', version: 'v0.19.0' },
  /** The Prometheus Operator's CRDs, for server-side dry runs of the chart's monitoring objects. */
  prometheusOperator: {
    path: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
  },
  chartTesting: { path: 'github.com/helm/chart-testing/v3', version: tools.chartTesting.version },
  /** Argo CD's CRDs and hack/git-verify-wrapper.sh, read by the bed's Argo CD. */
  argocd: {
    path: 'github.com/argoproj/argo-cd/v3',
    version: tools.argocd.version,
    goToolchain: tools.argocd.goToolchain,
  },
} as const;

export type SourceModuleName = keyof typeof sourceModules;
