// A comparable picture of the host state a real node changes, to prove a teardown left nothing:
// take one before a bed starts and one after it is gone; they must be equal.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/process.ts';
import { realNodeSlot, realNodeSlots } from './config.ts';
import {
  hostPathsTheNodeMayCreate,
  hostRecordPath,
  iptablesCommands,
  iptablesTables,
  kubeletSysctls,
} from './host-record.ts';
import { cgroupMounts, chainsIn } from './host-state.ts';

export interface HostSnapshot {
  /** Slots with a host record. */
  readonly hostRecords: readonly number[];
  /** Bridges of the real-node slots that exist. */
  readonly bridges: readonly string[];
  /** The slots' cgroup roots that exist, in every hierarchy. */
  readonly nodeCgroups: readonly string[];
  readonly kubeChains: readonly string[];
  readonly natRulesForBridge: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
  readonly realNodeMounts: readonly string[];
  readonly runtimeProcesses: readonly string[];
  readonly hostPaths: readonly string[];
}

async function runtimeProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.some((a) => a.includes('/real-node/'))) found.push(`${entry} ${argv.join(' ')}`);
  }
  return found;
}

const slots = Array.from({ length: realNodeSlots }, (_, i) => realNodeSlot(i));

export async function hostSnapshot(): Promise<HostSnapshot> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const kubeChains: string[] = [];
  for (const command of iptablesCommands)
    for (const table of iptablesTables) {
      const { stdout } = await run(command, ['-t', table, '-S'], { allowFailure: true });
      kubeChains.push(...chainsIn(stdout, 'KUBE-').map((c) => `${command} ${table} ${c}`));
    }
  const nat = await run('iptables', ['-t', 'nat', '-S'], { allowFailure: true });
  const sysctls: Record<string, string> = {};
  for (const key of kubeletSysctls)
    sysctls[key] = (await readFile(join('/proc/sys', ...key.split('.')), 'utf8')).trim();
  return {
    hostRecords: slots.filter((s) => existsSync(hostRecordPath(s.index))).map((s) => s.index),
    bridges: slots.map((s) => s.bridgeName).filter((b) => existsSync(`/sys/class/net/${b}`)),
    nodeCgroups: cgroupMounts(mountinfo)
      .flatMap((m) => [join(m, 'kubepods'), ...slots.map((s) => join(m, s.cgroupRoot))])
      .filter((d) => existsSync(d)),
    kubeChains,
    natRulesForBridge: nat.stdout
      .split('\n')
      .filter((l) => slots.some((s) => l.includes(`-i ${s.bridgeName} `))),
    sysctls,
    realNodeMounts: mountinfo
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((p) => p.includes('/real-node/')),
    runtimeProcesses: await runtimeProcesses(),
    hostPaths: hostPathsTheNodeMayCreate.filter((p) => existsSync(p)),
  };
}
