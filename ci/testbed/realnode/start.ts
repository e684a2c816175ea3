// Starts the test bed's real node in a free slot of this machine: containerd + runc with the pause
// image and the given images imported, the slot's CNI bridge whose pods reach the API server
// through a DNAT of the kubernetes Service IP on that bridge only, the slot's cgroup root, and a
// kubelet registered as `testbed-real-1` (tainted, so only pods that ask for it land there). Host
// changes are recorded first (host-record.ts) and undone by teardown.ts.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/process.ts';
import { formatSeconds, type Progress } from '../../lib/progress.ts';
import { waitFor } from '../../lib/wait.ts';
import { binaryPath, ensureTool } from '../../tools/build.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { createClientCert, type Pki } from '../pki.ts';
import { freePorts } from '../ports.ts';
import { isAlive, processIdOf, startProcess, tailOfLog } from '../supervisor.ts';
import {
  cniConfig,
  containerdConfig,
  containerdNamespace,
  kubeletConfig,
  kubernetesServiceIp,
  realNodeName,
  realNodePaths,
  realNodeSlot,
  realNodeSlots,
  type RealNodePaths,
  type RealNodeSlot,
} from './config.ts';
import {
  claimHostRecord,
  hostPathsTheNodeMayCreate,
  hostRecordOf,
  iptablesCommands,
  iptablesTables,
  kubeletSysctls,
  withSharedHostState,
  writeHostRecord,
  type HostRecord,
  type SharedHostBaseline,
} from './host-record.ts';
import { cgroupMounts, chainsIn } from './host-state.ts';
import { ensurePauseImage } from './pause-image.ts';
import { checkRealNodePrerequisites, cniBinDir } from './prerequisites.ts';
import { sweepDeadRealNodes } from './sweep.ts';
import { tearDownRealNode } from './teardown.ts';

export interface RealNodeOptions {
  /** OCI archives imported into the node's containerd (e.g. the hooks image built in this run). */
  readonly images?: readonly string[];
}

export interface ImportedImage {
  readonly reference: string;
  /** Manifest digest, as in the archive's index. */
  readonly digest: string;
  /** Config digest: the image ID the kubelet reports for containers of this image. */
  readonly id: string;
}

export interface RealNodeState {
  readonly name: string;
  readonly images: readonly ImportedImage[];
  readonly startSeconds: number;
}

export interface RealNodeContext {
  readonly stateDir: string;
  readonly server: string;
  readonly apiserverPort: number;
  readonly adminKubeconfig: string;
  readonly pki: Pki;
  readonly nodeIp: string;
}

const runtimePath = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`;

/** Tears down real nodes left by stopped beds; fails when every slot is held by a live bed. */
async function claimMachine(progress: Progress): Promise<void> {
  const live = await sweepDeadRealNodes(progress);
  if (live.length >= realNodeSlots) throw new Error(everySlotTaken(live));
}

function everySlotTaken(live: readonly HostRecord[]): string {
  return `${live.length} real nodes already run on this machine (test beds ${live.map((r) => r.stateDir).join(', ')}); at most ${realNodeSlots} at once: stop one of those beds, or start this one without a real node`;
}

async function readSysctl(key: string): Promise<string> {
  return (await readFile(join('/proc/sys', ...key.split('.')), 'utf8')).trim();
}

async function hostBaseline(): Promise<SharedHostBaseline> {
  const sysctls: Record<string, string> = {};
  for (const key of kubeletSysctls) sysctls[key] = await readSysctl(key);
  const chainsBefore: Record<string, string[]> = {};
  for (const command of iptablesCommands)
    for (const table of iptablesTables) {
      const { code, stdout } = await run(command, ['-t', table, '-S'], { allowFailure: true });
      chainsBefore[`${command} ${table}`] = code === 0 ? chainsIn(stdout, 'KUBE-') : [];
    }
  return {
    sysctls,
    chainsBefore,
    pathsCreated: hostPathsTheNodeMayCreate.filter((p) => !existsSync(p)),
  };
}

function nodeRecord(
  ctx: RealNodeContext,
  paths: RealNodePaths,
  slot: RealNodeSlot,
  shared: SharedHostBaseline,
): HostRecord {
  return {
    ...shared,
    stateDir: ctx.stateDir,
    slot: slot.index,
    cgroupRoot: slot.cgroupRoot,
    containerdSocket: paths.containerdSocket,
    dnatRule: [
      'PREROUTING',
      '-i',
      slot.bridgeName,
      '-d',
      `${kubernetesServiceIp}/32`,
      '-p',
      'tcp',
      '-m',
      'tcp',
      '--dport',
      '443',
      '-m',
      'comment',
      '--comment',
      'onload-testbed real node to its API server',
      '-j',
      'DNAT',
      '--to-destination',
      `127.0.0.1:${ctx.apiserverPort}`,
    ],
    bridge: slot.bridgeName,
    pids: {},
  };
}

async function setUpNetwork(
  record: HostRecord,
  paths: RealNodePaths,
  slot: RealNodeSlot,
): Promise<void> {
  const bridge = slot.bridgeName;
  if (existsSync(`/sys/class/net/${bridge}`))
    throw new Error(
      `network interface ${bridge} exists already; remove it: ip link delete ${bridge}`,
    );
  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', [
    'addr',
    'add',
    `${slot.bridgeAddress}/${slot.podSubnet.split('/')[1] ?? '24'}`,
    'dev',
    bridge,
  ]);
  await run('ip', ['link', 'set', bridge, 'up']);
  // Lets the DNAT below send pods' packets to the loopback API server (this bridge only).
  await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
  await run('iptables', ['-t', 'nat', '-A', ...record.dnatRule]);
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(
    join(paths.cniConfDir, '10-onload-testbed.conflist'),
    JSON.stringify(cniConfig(paths, slot), null, 2),
  );
}

/**
 * The kubelet's cgroup root in every hierarchy (it refuses to start without one); the cpuset
 * hierarchy's new cgroup gets the root's CPUs and memory nodes, as a task cannot join it otherwise.
 */
async function createCgroupRoot(cgroupRoot: string): Promise<void> {
  for (const mount of cgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'))) {
    const dir = join(mount, cgroupRoot);
    await mkdir(dir, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems'])
      if (existsSync(join(mount, file)) && !(await readFile(join(dir, file), 'utf8')).trim())
        await writeFile(join(dir, file), await readFile(join(mount, file), 'utf8'));
  }
}

function ctr(paths: RealNodePaths, args: readonly string[]) {
  return run('ctr', ['--address', paths.containerdSocket, '-n', containerdNamespace, ...args], {
    env: { ...process.env, PATH: runtimePath },
  });
}

/** Gives an image already imported on the real node a second name (as a mirror would serve it). */
export async function tagImage(stateDir: string, source: string, target: string): Promise<void> {
  await ctr(realNodePaths(stateDir), ['images', 'tag', '--force', source, target]);
}

async function archiveJson(archive: string, name: string): Promise<Record<string, unknown>> {
  const { stdout: listing } = await run('tar', ['-tf', archive]);
  const member = listing.split('\n').find((m) => m === name || m === `./${name}`);
  if (!member) throw new Error(`${archive} is not an OCI archive (no ${name})`);
  const { stdout } = await run('tar', ['-xOf', archive, member]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Reference, manifest digest and config digest of the (single) image in an OCI archive. */
async function describeArchive(archive: string): Promise<ImportedImage> {
  const index = (await archiveJson(archive, 'index.json')) as {
    manifests?: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests?.[0];
  // containerd's own annotation, or a full reference as skopeo writes it into ref.name
  const reference =
    entry?.annotations?.['io.containerd.image.name'] ??
    entry?.annotations?.['org.opencontainers.image.ref.name'];
  if (!entry || !reference?.includes('/'))
    throw new Error(`${archive}: its index names no image reference (registry/repository:tag)`);
  const manifest = (await archiveJson(archive, `blobs/sha256/${entry.digest.slice(7)}`)) as {
    config?: { digest: string };
  };
  return { reference, digest: entry.digest, id: manifest.config?.digest ?? '' };
}

async function startContainerd(ctx: RealNodeContext, paths: RealNodePaths): Promise<number> {
  await mkdir(paths.containerdRoot, { recursive: true });
  await writeFile(paths.containerdConfig, containerdConfig(paths, cniBinDir));
  const pid = startProcess(
    ctx.stateDir,
    'containerd',
    '/usr/bin/containerd',
    ['--config', paths.containerdConfig],
    { ...process.env, PATH: runtimePath },
  );
  await waitFor(
    'containerd to answer on its socket',
    async () => {
      if (!isAlive(pid))
        throw new Error(`containerd exited:\n${tailOfLog(ctx.stateDir, 'containerd')}`);
      return existsSync(paths.containerdSocket) && (await ctr(paths, ['version'])).code === 0;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      describe: () => tailOfLog(ctx.stateDir, 'containerd', 15),
    },
  );
  return pid;
}

async function startKubelet(
  ctx: RealNodeContext,
  paths: RealNodePaths,
  cgroupRoot: string,
  progress: Progress,
): Promise<number> {
  const [port = 0, healthzPort = 0] = await freePorts(2);
  const client = await createClientCert(
    ctx.pki,
    'kubelet',
    `/O=system:nodes/CN=system:node:${realNodeName}`,
  );
  await writeFile(
    paths.kubeletKubeconfig,
    renderKubeconfig(ctx.server, ctx.pki.caCert, {
      name: `system:node:${realNodeName}`,
      clientCertificate: client.cert,
      clientKey: client.key,
    }),
  );
  await writeFile(
    paths.kubeletConfig,
    kubeletConfig(paths, {
      nodeIp: ctx.nodeIp,
      port,
      healthzPort,
      caCert: ctx.pki.caCert,
      cgroupRoot,
    }),
  );
  await mkdir(paths.kubeletRoot, { recursive: true });
  progress(`starting kubelet ${realNodeName} (node IP ${ctx.nodeIp}, port ${port})`);
  return startProcess(
    ctx.stateDir,
    'kubelet',
    binaryPath('kubelet', 'kubelet'),
    [
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${paths.kubeletKubeconfig}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--hostname-override=${realNodeName}`,
      `--node-ip=${ctx.nodeIp}`,
      '--v=1',
    ],
    { ...process.env, PATH: runtimePath },
  );
}

/**
 * What a real node needs before a bed starts (so a machine that cannot run one fails before the
 * control plane is up): prerequisites, the kubelet, the pause image, a slot no live bed holds.
 * Returns the pause image archive.
 */
export async function prepareRealNode(progress: Progress): Promise<string> {
  await checkRealNodePrerequisites(progress);
  await claimMachine(progress);
  await ensureTool('kubelet', progress);
  return ensurePauseImage(progress);
}

export async function startRealNode(
  ctx: RealNodeContext,
  options: RealNodeOptions,
  progress: Progress,
): Promise<RealNodeState> {
  const started = Date.now();
  const pauseArchive = await prepareRealNode(progress);
  await claimMachine(progress);
  const paths = realNodePaths(ctx.stateDir);
  let claimed: HostRecord | undefined;
  await withSharedHostState(async () => {
    claimed = await claimHostRecord(
      (index, shared) => nodeRecord(ctx, paths, realNodeSlot(index), shared),
      hostBaseline,
    );
  });
  if (!claimed) throw new Error(everySlotTaken(await sweepDeadRealNodes(progress)));
  let record: HostRecord = claimed;
  const slot = realNodeSlot(record.slot);

  progress(
    `real node (slot ${slot.index}): bridge ${slot.bridgeName} (${slot.podSubnet}), cgroup root ${slot.cgroupRoot}, containerd, kubelet`,
  );
  await setUpNetwork(record, paths, slot);
  await createCgroupRoot(slot.cgroupRoot);
  const containerd = await startContainerd(ctx, paths);
  record = { ...record, pids: { containerd: processIdOf(containerd) } };
  await writeHostRecord(record);
  const images: ImportedImage[] = [];
  for (const archive of [pauseArchive, ...(options.images ?? [])]) {
    await ctr(paths, ['images', 'import', archive]);
    images.push(await describeArchive(archive));
  }
  const kubelet = await startKubelet(ctx, paths, slot.cgroupRoot, progress);
  record = { ...record, pids: { ...record.pids, kubelet: processIdOf(kubelet) } };
  await writeHostRecord(record);

  const kubectl = binaryPath('kubernetes', 'kubectl');
  await waitFor(
    `node ${realNodeName} to become Ready`,
    async () => {
      for (const [name, pid] of [
        ['kubelet', kubelet],
        ['containerd', containerd],
      ] as const)
        if (!isAlive(pid)) throw new Error(`${name} exited:\n${tailOfLog(ctx.stateDir, name)}`);
      const { stdout } = await run(
        kubectl,
        [
          '--kubeconfig',
          ctx.adminKubeconfig,
          'get',
          'node',
          realNodeName,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ],
        { allowFailure: true },
      );
      return stdout === 'True';
    },
    { timeoutMs: 120_000, intervalMs: 500, describe: () => tailOfLog(ctx.stateDir, 'kubelet', 20) },
  );
  const startSeconds = (Date.now() - started) / 1000;
  progress(`real node ${realNodeName} Ready in ${formatSeconds(Date.now() - started)}`);
  return { name: realNodeName, images: images.slice(1), startSeconds };
}

/** Tears down the real node of `stateDir`, if that bed has one. */
export async function stopRealNode(stateDir: string): Promise<void> {
  const record = await hostRecordOf(stateDir);
  if (record) await tearDownRealNode(record, join(stateDir, 'admin.kubeconfig'));
}
