// Undoes everything a real node changed on the host, in the order that leaves nothing behind:
// the node's pods → kubelet → containers → containerd and its shims → mounts → its cgroup root →
// bridge → DNAT rule; then, when no other real node runs on the machine, the shared state:
// iptables chains → sysctls → host paths the nodes created. Every step runs even when an earlier
// one failed; the failures are reported together. Used by stopCluster, the watchdog and the next
// `up`.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/process.ts';
import { binaryPath } from '../../tools/build.ts';
import {
  isRunning,
  processIdOf,
  signalProcess,
  stopProcesses,
  type ProcessId,
} from '../supervisor.ts';
import { realNodeName } from './config.ts';
import {
  iptablesCommands,
  iptablesTables,
  readHostRecords,
  removeHostRecord,
  withSharedHostState,
  type HostRecord,
  type SharedHostBaseline,
} from './host-record.ts';
import { chainRemovals, chainsIn, cgroupMounts, mountPointsUnder } from './host-state.ts';

async function deleteNodePods(kubeconfig: string): Promise<void> {
  await run(
    binaryPath('kubernetes', 'kubectl'),
    [
      '--kubeconfig',
      kubeconfig,
      'delete',
      'pods',
      '--all-namespaces',
      `--field-selector=spec.nodeName=${realNodeName}`,
      '--grace-period=2',
      '--timeout=30s',
      '--request-timeout=10s',
    ],
    { allowFailure: true },
  );
}

/** The node's cgroup root in every mounted hierarchy that has one. */
async function nodeCgroupRoots(cgroupRoot: string): Promise<string[]> {
  // Never a hierarchy's root: everything on the machine is below it.
  if (!/^\/onload-testbed-\d+$/.test(cgroupRoot))
    throw new Error(`refusing to tear down cgroup root "${cgroupRoot}" (not a real-node slot's)`);
  const mounts = cgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  return mounts.map((m) => join(m, cgroupRoot)).filter((d) => existsSync(d));
}

async function cgroupTree(dir: string): Promise<string[]> {
  const children = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
  const nested = await Promise.all(children.map((c) => cgroupTree(join(dir, c.name))));
  return [...nested.flat(), dir];
}

async function pidsIn(cgroups: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of cgroups) {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line) pids.add(Number(line));
  }
  return [...pids];
}

async function killContainers(cgroupRoot: string): Promise<void> {
  const roots = await nodeCgroupRoots(cgroupRoot);
  const cgroups = (await Promise.all(roots.map(cgroupTree))).flat();
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = await pidsIn(cgroups);
    if (pids.length === 0) return;
    for (const pid of pids) signalProcess(pid, 'SIGKILL');
    await sleep(100);
  }
  throw new Error(`processes still in the node's cgroups: ${(await pidsIn(cgroups)).join(' ')}`);
}

/** containerd's shims for this node: their command line names its socket. */
async function shims(socket: string): Promise<ProcessId[]> {
  const found: ProcessId[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const id = processIdOf(Number(entry));
    if (id && cmdline.includes('containerd-shim') && cmdline.split('\0').includes(socket))
      found.push(id);
  }
  return found;
}

async function unmountUnder(dir: string): Promise<void> {
  const points = mountPointsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  for (const point of points) {
    const { code } = await run('umount', [point], { allowFailure: true });
    if (code !== 0) await run('umount', ['-l', point], { allowFailure: true });
  }
  const left = mountPointsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  if (left.length > 0) throw new Error(`still mounted: ${left.join(' ')}`);
}

async function removeCgroups(cgroupRoot: string): Promise<void> {
  for (const top of await nodeCgroupRoots(cgroupRoot)) {
    for (const dir of await cgroupTree(top)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          if (attempt >= 20)
            throw new Error(`cannot remove cgroup ${dir}: ${String(error)}`, { cause: error });
          await sleep(100);
        }
      }
    }
  }
}

async function removeBridge(bridge: string): Promise<void> {
  if (existsSync(`/sys/class/net/${bridge}`)) await run('ip', ['link', 'delete', bridge]);
}

async function removeDnatRule(record: HostRecord): Promise<void> {
  for (;;) {
    const { code } = await run('iptables', ['-t', 'nat', '-D', ...record.dnatRule], {
      allowFailure: true,
    });
    if (code !== 0) break;
  }
}

async function restoreIptables(record: SharedHostBaseline): Promise<void> {
  for (const command of iptablesCommands) {
    for (const table of iptablesTables) {
      const listed = await run(command, ['-t', table, '-S'], { allowFailure: true });
      if (listed.code !== 0) continue;
      const before = new Set(record.chainsBefore[`${command} ${table}`] ?? []);
      const added = chainsIn(listed.stdout, 'KUBE-').filter((c) => !before.has(c));
      for (const args of chainRemovals(listed.stdout, added))
        await run(command, ['-t', table, ...args]);
    }
  }
}

async function restoreSysctls(sysctls: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(sysctls)) {
    const file = join('/proc/sys', ...key.split('.'));
    if ((await readFile(file, 'utf8')).trim() !== value) await writeFile(file, value);
  }
}

async function removeCreatedPaths(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (await stat(path).catch(() => undefined)) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Restores what the real nodes changed together when the node of `slot` is the last one (a record
 * left by a dead bed counts as running: its sweep restores the state later), then gives the slot
 * up. The record stays when a step failed, so the next sweep retries.
 */
async function releaseSlot(
  slot: number,
  baseline: SharedHostBaseline,
  step: (name: string, action: () => Promise<void>) => Promise<boolean>,
): Promise<void> {
  await withSharedHostState(async () => {
    const others = (await readHostRecords()).filter((r) => r.slot !== slot);
    const restored =
      others.length > 0 ||
      [
        await step('restore iptables', () => restoreIptables(baseline)),
        await step('restore sysctls', () => restoreSysctls(baseline.sysctls)),
        await step('remove host paths', () => removeCreatedPaths(baseline.pathsCreated)),
      ].every(Boolean);
    if (restored) await removeHostRecord(slot);
  });
}

/** Tears a real node down from its host record; throws listing every step that failed. */
export async function tearDownRealNode(record: HostRecord, kubeconfig?: string): Promise<void> {
  const failures: string[] = [];
  const step = async (name: string, action: () => Promise<void>): Promise<boolean> => {
    try {
      await action();
      return true;
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };
  const failed = () =>
    new Error(`real node teardown left host state behind:\n${failures.join('\n')}`);
  const { kubelet, containerd } = record.pids;
  if (kubeconfig && existsSync(kubeconfig) && kubelet && isRunning(kubelet))
    await step('delete the node’s pods', () => deleteNodePods(kubeconfig));
  await step('stop kubelet', () => stopProcesses(kubelet ? [kubelet] : [], 10_000));
  await step('kill containers', () => killContainers(record.cgroupRoot));
  await step('stop containerd', () => stopProcesses(containerd ? [containerd] : [], 5000));
  await step('stop shims', async () => stopProcesses(await shims(record.containerdSocket), 1000));
  await step('unmount', () => unmountUnder(record.stateDir));
  await step('remove cgroups', () => removeCgroups(record.cgroupRoot));
  await step('remove the bridge', () => removeBridge(record.bridge));
  await step('remove the DNAT rule', () => removeDnatRule(record));
  // The record stays while the node's own state could not be removed: the next sweep retries.
  if (failures.length > 0) throw failed();
  await releaseSlot(record.slot, record, step);
  if (failures.length > 0) throw failed();
}
