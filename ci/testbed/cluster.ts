// The local test bed: genuine etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// built from Go modules, and KWOK keeping fake worker nodes alive. Loopback only; free ports;
// state in a temporary directory.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run, type RunOptions, type RunResult } from '../lib/process.ts';
import { formatSeconds, type Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { httpGetOk } from '../lib/http-probe.ts';
import { binaryPath, ensureTools, sourceModuleDir } from '../tools/build.ts';
import { ensureDebianPackages } from '../tools/system-packages.ts';
import { defaults as agentDefaults } from './agents/options.ts';
import { startAgents, type AgentOptions } from './agents/start.ts';
import { startKmmManager, type KmmInfo } from './kmm-manager.ts';
import {
  apiserverArgs,
  auditArgs,
  auditPolicy,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
  type ClusterLayout,
} from './components.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { defaultNodeOptions, fakeNode, type FakeNodeOptions } from './nodes.ts';
import { installCrds } from './crds.ts';
import { createPki } from './pki.ts';
import { freePorts } from './ports.ts';
import { sweepDeadRealNodes } from './realnode/sweep.ts';
import {
  prepareRealNode,
  startRealNode,
  stopRealNode,
  type RealNodeOptions,
  type RealNodeState,
} from './realnode/start.ts';
import {
  recordedPids,
  startProcess,
  startWatchdog,
  stopAll,
  tailOfLog,
  isAlive,
} from './supervisor.ts';

export interface ClusterState {
  readonly stateDir: string;
  readonly server: string;
  readonly kubeconfig: string;
  readonly caCert: string;
  readonly nodes: readonly string[];
  readonly startedAt: string;
  readonly startSeconds: number;
  /** The API server's audit log, when `audit` was asked for. */
  readonly auditLog?: string;
  /** The real kubelet node, when `realNode` was asked for. */
  readonly realNode?: RealNodeState;
  /** Which KMM drives Modules on this bed (with agents). */
  readonly kmm?: KmmInfo;
}

export interface StartOptions {
  readonly nodes?: number | readonly FakeNodeOptions[];
  /** When this process dies without stopping the cluster, a watchdog stops it. */
  readonly ownerPid?: number;
  /**
   * Also start the agents (KMM and kubelet stand-ins, runner for our pods): agents/README.md.
   * With `agents.kmm: 'manager'` the real KMM manager runs instead of the KMM stand-in (pinned
   * release-2.2, or the binary and CRDs named by ONLOAD_KMM_MANAGER / ONLOAD_KMM_CRDS).
   */
  readonly agents?: AgentOptions;
  /** Log (Metadata level) the API requests of these users, e.g. system:serviceaccount:ns:name. */
  readonly audit?: { readonly users: readonly string[] };
  /** Also start a real kubelet + containerd node (realnode/start.ts; root, one per machine). */
  readonly realNode?: RealNodeOptions;
  readonly progress: Progress;
}

const stateFileName = 'state.json';
const stagesDir = join(import.meta.dirname, 'stages');

function advertiseAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  // The endpoint reconciler is off and nothing dials it, except the API server reaching a real
  // node's kubelet there (traffic to the machine's own address stays on the machine).
  return external?.address ?? '10.255.255.254';
}

function kubectlIn(kubeconfig: string) {
  return (args: readonly string[], options: RunOptions = {}): Promise<RunResult> =>
    run(binaryPath('kubernetes', 'kubectl'), ['--kubeconfig', kubeconfig, ...args], options);
}

async function kwokStageFiles(): Promise<string[]> {
  const kwok = await sourceModuleDir('kwok');
  return [
    join(kwok, 'kustomize/stage/node/fast/node-initialize.yaml'),
    join(kwok, 'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'),
    join(stagesDir, 'pod-ready.yaml'),
    join(stagesDir, 'pod-complete.yaml'),
    join(stagesDir, 'pod-delete.yaml'),
    join(stagesDir, 'pod-delete-graceful.yaml'),
  ];
}

export async function startCluster(options: StartOptions): Promise<ClusterState> {
  const { progress } = options;
  const started = Date.now();
  await ensureTools(['kubernetes', 'etcd', 'kwok'], progress);
  await ensureDebianPackages(['openssl'], "the test bed's PKI", progress);
  await sweepDeadRealNodes(progress);
  if (options.realNode) await prepareRealNode(progress);
  const stateDir = await mkdtemp(join(tmpdir(), 'onload-testbed-'));
  if (options.ownerPid !== undefined) {
    await writeFile(join(stateDir, 'pids'), '');
    startWatchdog(stateDir, options.ownerPid);
  }
  try {
    return await bringUp(stateDir, options, started);
  } catch (error) {
    await stopCluster(stateDir);
    throw error;
  }
}

async function bringUp(
  stateDir: string,
  options: StartOptions,
  started: number,
): Promise<ClusterState> {
  const { progress } = options;
  const [etcdClientPort = 0, etcdPeerPort = 0, apiserverPort = 0, kwokServerPort = 0] =
    await freePorts(4);
  const pki = await createPki(join(stateDir, 'pki'));
  const server = `https://127.0.0.1:${apiserverPort}`;
  const adminKubeconfig = join(stateDir, 'admin.kubeconfig');
  await writeFile(
    adminKubeconfig,
    renderKubeconfig(server, pki.caCert, {
      name: 'testbed-admin',
      clientCertificate: pki.adminCert,
      clientKey: pki.adminKey,
    }),
  );
  const nodeOptions = normaliseNodes(options.nodes);
  const layout: ClusterLayout = {
    stateDir,
    etcdClientPort,
    etcdPeerPort,
    apiserverPort,
    kwokServerPort,
    advertiseAddress: advertiseAddress(),
    adminKubeconfig,
    pki,
    kwokStages: await kwokStageFiles(),
    fakeNodes: nodeOptions.length,
  };

  progress(`starting etcd and kube-apiserver on 127.0.0.1:${apiserverPort} (state ${stateDir})`);
  const etcdPid = startProcess(stateDir, 'etcd', binaryPath('etcd', 'etcd'), etcdArgs(layout));
  await waitAlive(
    'etcd',
    etcdPid,
    stateDir,
    () => httpGetOk(`http://127.0.0.1:${etcdClientPort}/health`),
    30_000,
  );
  const apiPid = startProcess(
    stateDir,
    'kube-apiserver',
    binaryPath('kubernetes', 'kube-apiserver'),
    [...apiserverArgs(layout), ...(await auditSetup(stateDir, options.audit))],
  );
  const tls = {
    ca: await readFile(pki.caCert),
    cert: await readFile(pki.adminCert),
    key: await readFile(pki.adminKey),
  };
  await waitAlive(
    'kube-apiserver',
    apiPid,
    stateDir,
    () => httpGetOk(`${server}/readyz`, tls),
    120_000,
  );

  progress('starting kube-controller-manager, kube-scheduler and kwok');
  const kcmPid = startProcess(
    stateDir,
    'kube-controller-manager',
    binaryPath('kubernetes', 'kube-controller-manager'),
    controllerManagerArgs(layout),
  );
  const schedPid = startProcess(
    stateDir,
    'kube-scheduler',
    binaryPath('kubernetes', 'kube-scheduler'),
    schedulerArgs(layout),
  );
  await installCrds(adminKubeconfig, [
    join(await sourceModuleDir('kwok'), 'kustomize/crd/bases/kwok.x-k8s.io_logs.yaml'),
  ]);
  const kwokPid = startProcess(stateDir, 'kwok', binaryPath('kwok', 'kwok'), kwokArgs(layout));

  const kubectl = kubectlIn(adminKubeconfig);
  await addNodes(adminKubeconfig, nodeOptions);
  const alive = (): void => {
    for (const [name, pid] of [
      ['kube-controller-manager', kcmPid],
      ['kube-scheduler', schedPid],
      ['kwok', kwokPid],
    ] as const) {
      if (!isAlive(pid)) throw new Error(`${name} exited:\n${tailOfLog(stateDir, name)}`);
    }
  };
  await waitFor(
    `${nodeOptions.length} Ready nodes`,
    async () => {
      alive();
      const { stdout } = await kubectl([
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      return stdout.split('\n').filter((s) => s === 'True').length === nodeOptions.length;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  await waitFor(
    'the default ServiceAccount (kube-controller-manager running)',
    async () => {
      alive();
      return (
        (
          await kubectl(['get', 'serviceaccount', 'default', '-n', 'default'], {
            allowFailure: true,
          })
        ).code === 0
      );
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  let kmm: KmmInfo | undefined;
  if (options.agents?.kmm === 'manager')
    kmm = await startKmmManager(stateDir, adminKubeconfig, progress);
  else if (options.agents)
    kmm = { mode: 'stand-in', version: options.agents.kmmVersion ?? agentDefaults.kmmVersion };
  if (options.agents) await startAgents(stateDir, adminKubeconfig, options.agents);
  const realNode = options.realNode
    ? await startRealNode(
        { stateDir, server, apiserverPort, adminKubeconfig, pki, nodeIp: layout.advertiseAddress },
        options.realNode,
        progress,
      )
    : undefined;

  const state: ClusterState = {
    stateDir,
    server,
    kubeconfig: adminKubeconfig,
    caCert: pki.caCert,
    nodes: nodeOptions.map((n) => n.name),
    startedAt: new Date(started).toISOString(),
    startSeconds: (Date.now() - started) / 1000,
    ...(options.audit ? { auditLog: auditLogPath(stateDir) } : {}),
    ...(realNode ? { realNode } : {}),
    ...(kmm ? { kmm } : {}),
  };
  await writeFile(join(stateDir, stateFileName), JSON.stringify(state, null, 2));
  progress(
    `test bed up in ${formatSeconds(Date.now() - started)}: ${state.nodes.length} nodes${realNode ? ` and real node ${realNode.name}` : ''}, kubeconfig ${adminKubeconfig}`,
  );
  return state;
}

function auditLogPath(stateDir: string): string {
  return join(stateDir, 'logs', 'audit.log');
}

async function auditSetup(stateDir: string, audit: StartOptions['audit']): Promise<string[]> {
  if (!audit) return [];
  const policyFile = join(stateDir, 'audit-policy.yaml');
  await writeFile(policyFile, stringify(auditPolicy(audit.users)));
  return auditArgs(policyFile, auditLogPath(stateDir));
}

function normaliseNodes(nodes: StartOptions['nodes']): readonly FakeNodeOptions[] {
  if (Array.isArray(nodes)) return nodes as readonly FakeNodeOptions[];
  const count = typeof nodes === 'number' ? nodes : 6;
  return Array.from({ length: count }, (_, i) => defaultNodeOptions(i + 1, count));
}

/** Adds fake nodes to a running test bed (KWOK takes them over and keeps them Ready). */
export async function addNodes(
  kubeconfig: string,
  nodes: readonly FakeNodeOptions[],
): Promise<void> {
  if (nodes.length === 0) return;
  const manifest = nodes.map((n) => stringify(fakeNode(n))).join('---\n');
  await kubectlIn(kubeconfig)(['create', '-f', '-'], { input: manifest });
}

async function waitAlive(
  name: string,
  pid: number,
  stateDir: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${name} to become ready`,
    async () => {
      if (!isAlive(pid)) throw new Error(`${name} exited:\n${tailOfLog(stateDir, name)}`);
      return ready();
    },
    { timeoutMs, intervalMs: 200, describe: () => tailOfLog(stateDir, name, 15) },
  );
}

/** Stops every process of the test bed and removes its state directory. */
export async function stopCluster(stateDir: string): Promise<void> {
  await stopRealNode(stateDir);
  await stopAll(stateDir);
  await rm(stateDir, { recursive: true, force: true });
}

export async function readClusterState(stateDir: string): Promise<ClusterState> {
  return JSON.parse(await readFile(join(stateDir, stateFileName), 'utf8')) as ClusterState;
}

export function clusterProcessesAlive(stateDir: string): number[] {
  return existsSync(stateDir) ? recordedPids(stateDir).filter(isAlive) : [];
}
