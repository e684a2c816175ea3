// Configuration of the test bed's real node (kubelet + containerd + runc): where its files live
// under the bed's state directory and the config files it runs with. Pure: paths in, text out.
import { join } from 'node:path';
import { stringify } from 'yaml';

export const realNodeName = 'testbed-real-1';
/** Keeps every pod that does not ask for the real node off it (KWOK runs those). */
export const realNodeTaint = { key: 'testbed.onload.amd.com/real-node', effect: 'NoSchedule' };
/** Scheduling values that pin a pod to the real node (chart: hooks.*, labeller.*). */
export const realNodeScheduling = {
  nodeSelector: { 'kubernetes.io/hostname': realNodeName },
  tolerations: [{ key: realNodeTaint.key, operator: 'Exists', effect: realNodeTaint.effect }],
};

/**
 * A machine runs at most this many real nodes at once (one per test bed), each in its own slot:
 * its own bridge and pod subnet, and its own cgroup root, so neither kubelet sees the other's
 * pods as orphans to clean up.
 */
export const realNodeSlots = 2;

export interface RealNodeSlot {
  readonly index: number;
  readonly bridgeName: string;
  readonly podSubnet: string;
  readonly bridgeAddress: string;
  /** The kubelet's `cgroupRoot`: its `kubepods` tree lives under it in every hierarchy. */
  readonly cgroupRoot: string;
}

export function realNodeSlot(index: number): RealNodeSlot {
  if (!Number.isInteger(index) || index < 0 || index >= realNodeSlots)
    throw new Error(`real node slot ${index} does not exist (0 to ${realNodeSlots - 1})`);
  return {
    index,
    bridgeName: `onload-tb${index}`,
    podSubnet: `10.244.${index}.0/24`,
    bridgeAddress: `10.244.${index}.1`,
    cgroupRoot: `/onload-testbed-${index}`,
  };
}
/** The kubernetes Service's ClusterIP (first address of the bed's Service range). */
export const kubernetesServiceIp = '10.96.0.1';
export const sandboxImage = 'localhost/onload/pause:3.10';
export const containerdNamespace = 'k8s.io';

export interface RealNodePaths {
  readonly dir: string;
  readonly containerdConfig: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly runcRoot: string;
  readonly cniConfDir: string;
  readonly cniDataDir: string;
  readonly kubeletRoot: string;
  readonly kubeletConfig: string;
  readonly kubeletKubeconfig: string;
  readonly podLogs: string;
}

export function realNodePaths(stateDir: string): RealNodePaths {
  const dir = join(stateDir, 'real-node');
  return {
    dir,
    containerdConfig: join(dir, 'containerd.toml'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet.yaml'),
    kubeletKubeconfig: join(dir, 'kubelet.kubeconfig'),
    podLogs: join(dir, 'pod-logs'),
  };
}

function toml(value: string): string {
  return JSON.stringify(value);
}

/**
 * containerd 1.6 (config version 2): its own root, state, socket and runc root; runc with
 * cgroupfs; `restrict_oom_score_adj` because this VM cannot lower oom_score_adj (the pause
 * container asks for -998); network namespaces under the state dir; plugins that would write
 * outside it are off.
 */
export function containerdConfig(p: RealNodePaths, cniBinDir: string): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${toml(p.containerdRoot)}`,
    `state = ${toml(p.containerdState)}`,
    'disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]',
    '',
    '[grpc]',
    `  address = ${toml(p.containerdSocket)}`,
    '',
    `${cri}]`,
    `  sandbox_image = ${toml(sandboxImage)}`,
    '  restrict_oom_score_adj = true',
    '  netns_mounts_under_state_dir = true',
    '  enable_selinux = false',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `  Root = ${toml(p.runcRoot)}`,
    `${cri}.cni]`,
    `  bin_dir = ${toml(cniBinDir)}`,
    `  conf_dir = ${toml(p.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ].join('\n');
}

/**
 * A bridge the bed creates itself (no gateway, no masquerading): pods get an address on it and
 * a route only to the Service range, so the only traffic that leaves a pod is to the API server.
 */
export function cniConfig(p: RealNodePaths, slot: RealNodeSlot): Record<string, unknown> {
  return {
    cniVersion: '0.4.0',
    name: 'onload-testbed',
    plugins: [
      {
        type: 'bridge',
        bridge: slot.bridgeName,
        isGateway: false,
        isDefaultGateway: false,
        ipMasq: false,
        hairpinMode: false,
        ipam: {
          type: 'host-local',
          dataDir: p.cniDataDir,
          ranges: [[{ subnet: slot.podSubnet, gateway: slot.bridgeAddress }]],
          routes: [{ dst: '10.96.0.0/16', gw: slot.bridgeAddress }],
        },
      },
      { type: 'loopback' },
    ],
  };
}

export interface KubeletSettings {
  readonly nodeIp: string;
  readonly port: number;
  readonly healthzPort: number;
  readonly caCert: string;
  readonly cgroupRoot: string;
}

/** KubeletConfiguration for this VM: cgroup v1 allowed, cgroupfs, swap tolerated, no image GC. */
export function kubeletConfig(p: RealNodePaths, s: KubeletSettings): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: s.nodeIp,
    port: s.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: s.healthzPort,
    failCgroupV1: false,
    failSwapOn: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: s.cgroupRoot,
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    podLogsDir: p.podLogs,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: s.caCert },
    },
    authorization: { mode: 'Webhook' },
    registerWithTaints: [realNodeTaint],
    maxPods: 30,
    serializeImagePulls: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
    },
    nodeStatusReportFrequency: '10s',
    syncFrequency: '10s',
    fileCheckFrequency: '0s',
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
  });
}
