// The machine-wide record of the one real node this machine runs: which test bed owns it and the
// host state from before it started (sysctl values, iptables chains, paths that did not exist),
// written before the first host change so a teardown after any crash knows what to undo.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const hostRecordPath = '/run/onload-testbed/real-node.json';

/** Sysctls the kubelet sets at start (protectKernelDefaults off). */
export const kubeletSysctls = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
] as const;

/** Host paths the kubelet, containerd or CNI may create outside the bed's state directory. */
export const hostPathsTheNodeMayCreate = [
  '/run/containerd',
  '/var/lib/cni',
  '/var/lib/kubelet',
  '/var/log/pods',
  '/var/log/containers',
  '/etc/kubernetes',
  '/opt/containerd',
  '/var/lib/containerd',
] as const;

export const iptablesCommands = ['iptables', 'ip6tables'] as const;
export const iptablesTables = ['filter', 'nat', 'mangle'] as const;

export interface HostRecord {
  readonly stateDir: string;
  readonly containerdSocket: string;
  readonly sysctls: Readonly<Record<string, string>>;
  /** `<command> <table>` → KUBE-* chains that existed before. */
  readonly chainsBefore: Readonly<Record<string, readonly string[]>>;
  readonly pathsCreated: readonly string[];
  /** The DNAT rule's arguments in table nat (after `-A` / `-D`). */
  readonly dnatRule: readonly string[];
  readonly bridge: string;
  readonly pids: { kubelet?: number; containerd?: number };
}

export async function readHostRecord(): Promise<HostRecord | undefined> {
  if (!existsSync(hostRecordPath)) return undefined;
  return JSON.parse(await readFile(hostRecordPath, 'utf8')) as HostRecord;
}

export async function writeHostRecord(record: HostRecord): Promise<void> {
  await mkdir(dirname(hostRecordPath), { recursive: true });
  await writeFile(hostRecordPath, JSON.stringify(record, null, 2));
}

export async function removeHostRecord(): Promise<void> {
  await rm(hostRecordPath, { force: true });
}
