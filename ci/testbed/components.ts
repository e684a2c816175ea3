// Command lines of the control-plane components, all bound to loopback. Pure: paths in, argv out.
import type { Pki } from './pki.ts';

export interface ClusterLayout {
  readonly stateDir: string;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
  readonly apiserverPort: number;
  /** KWOK's server: the fake nodes' kubelet endpoint (logs). */
  readonly kwokServerPort: number;
  /** Non-loopback address the API server advertises (loopback is refused for the kubernetes Service). */
  readonly advertiseAddress: string;
  readonly adminKubeconfig: string;
  readonly pki: Pki;
  readonly kwokStages: readonly string[];
  /** How many nodes KWOK keeps alive: their heartbeats scale with it (nodeHeartbeat). */
  readonly fakeNodes: number;
}

/**
 * The fake nodes' heartbeats. KWOK, like a kubelet, renews a node's Lease every quarter of its
 * duration (10 s of 40 s), and the node lifecycle controller marks a node NotReady, tainting it
 * NoSchedule, once its last renewal is older than its grace period (50 s by default). KWOK sharing
 * two cores with a bed of 1000 nodes renewed ~20 Leases a second where 100 were due, and the
 * nodes flapped. Beds above `realisticUpTo` nodes renew every 30 s and are given 180 s: no rollout
 * step waits on a heartbeat.
 */
export function nodeHeartbeat(fakeNodes: number): {
  readonly leaseSeconds: number;
  readonly gracePeriodSeconds?: number;
} {
  const realisticUpTo = 200;
  return fakeNodes <= realisticUpTo
    ? { leaseSeconds: 40 }
    : { leaseSeconds: 120, gracePeriodSeconds: 180 };
}

export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';
export const serviceClusterIpRange = '10.96.0.0/16';

export function etcdArgs(l: ClusterLayout): string[] {
  const client = `http://127.0.0.1:${l.etcdClientPort}`;
  const peer = `http://127.0.0.1:${l.etcdPeerPort}`;
  return [
    '--name=testbed',
    `--data-dir=${l.stateDir}/etcd`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testbed=${peer}`,
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=4294967296',
    '--log-level=warn',
  ];
}

export function apiserverArgs(l: ClusterLayout): string[] {
  const p = l.pki;
  return [
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.apiserverPort}`,
    `--advertise-address=${l.advertiseAddress}`,
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${p.serverCert}`,
    `--tls-private-key-file=${p.serverKey}`,
    `--client-ca-file=${p.caCert}`,
    `--service-account-issuer=${serviceAccountIssuer}`,
    `--service-account-key-file=${p.serviceAccountPub}`,
    `--service-account-signing-key-file=${p.serviceAccountKey}`,
    `--api-audiences=${serviceAccountIssuer}`,
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--enable-priority-and-fairness=false',
    '--max-requests-inflight=1000',
    '--max-mutating-requests-inflight=500',
    // pod logs come from KWOK's server, which the fake nodes report as their kubelet
    `--kubelet-client-certificate=${p.adminCert}`,
    `--kubelet-client-key=${p.adminKey}`,
    '--kubelet-preferred-address-types=InternalIP',
  ];
}

export function controllerManagerArgs(l: ClusterLayout): string[] {
  const { gracePeriodSeconds } = nodeHeartbeat(l.fakeNodes);
  return [
    `--kubeconfig=${l.adminKubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
    `--root-ca-file=${l.pki.caCert}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--concurrent-gc-syncs=10',
    ...(gracePeriodSeconds ? [`--node-monitor-grace-period=${gracePeriodSeconds}s`] : []),
  ];
}

export function schedulerArgs(l: ClusterLayout): string[] {
  return [
    `--kubeconfig=${l.adminKubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
  ];
}

export function kwokArgs(l: ClusterLayout): string[] {
  return [
    `--kubeconfig=${l.adminKubeconfig}`,
    // Only the fake nodes (nodes.ts annotates them): a real node's kubelet owns its pods.
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    `--node-lease-duration-seconds=${nodeHeartbeat(l.fakeNodes).leaseSeconds}`,
    '--cidr=10.0.0.0/16',
    '--node-ip=127.0.0.1',
    `--server-address=127.0.0.1:${l.kwokServerPort}`,
    `--node-port=${l.kwokServerPort}`,
    `--tls-cert-file=${l.pki.serverCert}`,
    `--tls-private-key-file=${l.pki.serverKey}`,
    '--enable-crds=Logs',
    ...l.kwokStages.map((stage) => `--config=${stage}`),
  ];
}

/** Opt-in audit log: requests by `users` at Metadata level (no bodies), nothing else. */
export function auditPolicy(users: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [{ level: 'Metadata', users: [...users] }, { level: 'None' }],
  };
}

export function auditArgs(policyFile: string, logPath: string): string[] {
  // Size-based rotation off in practice: one file per test bed is easier to read back.
  return [
    `--audit-policy-file=${policyFile}`,
    `--audit-log-path=${logPath}`,
    '--audit-log-maxsize=4096',
  ];
}
