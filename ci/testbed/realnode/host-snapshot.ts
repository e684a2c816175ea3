// A comparable picture of the host state a real node changes, to prove a teardown left nothing:
// take one before a bed starts and one after it is gone; they must be equal.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/process.ts';
import { bridgeName } from './config.ts';
import {
  hostPathsTheNodeMayCreate,
  hostRecordPath,
  iptablesCommands,
  iptablesTables,
  kubeletSysctls,
} from './host-record.ts';
import { cgroupMounts, chainsIn } from './host-state.ts';

export interface HostSnapshot {
  readonly hostRecord: boolean;
  readonly bridge: boolean;
  readonly kubepodsCgroups: readonly string[];
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
    hostRecord: existsSync(hostRecordPath),
    bridge: existsSync(`/sys/class/net/${bridgeName}`),
    kubepodsCgroups: cgroupMounts(mountinfo)
      .map((m) => join(m, 'kubepods'))
      .filter((d) => existsSync(d)),
    kubeChains,
    natRulesForBridge: nat.stdout.split('\n').filter((l) => l.includes(bridgeName)),
    sysctls,
    realNodeMounts: mountinfo
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((p) => p.includes('/real-node/')),
    runtimeProcesses: await runtimeProcesses(),
    hostPaths: hostPathsTheNodeMayCreate.filter((p) => existsSync(p)),
  };
}
