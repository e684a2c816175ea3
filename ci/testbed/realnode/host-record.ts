// The machine-wide records of the real nodes this machine runs, one per slot: which test bed owns
// it, its own host changes (bridge, DNAT rule, cgroup root) and the shared host state from before
// the first of them started (sysctl values, iptables chains, paths that did not exist), written
// before the first host change so a teardown after any crash knows what to undo. The last node
// to go restores the shared state.
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from '../../tools/build-lock.ts';
import type { ProcessId } from '../supervisor.ts';
import { realNodeSlots } from './config.ts';

export const hostRecordDir = '/run/onload-testbed';

export function hostRecordPath(slot: number): string {
  return join(hostRecordDir, `real-node-${slot}.json`);
}

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

/** What the host was like before the first of the running real nodes started. */
export interface SharedHostBaseline {
  readonly sysctls: Readonly<Record<string, string>>;
  /** `<command> <table>` → KUBE-* chains that existed before. */
  readonly chainsBefore: Readonly<Record<string, readonly string[]>>;
  readonly pathsCreated: readonly string[];
}

export interface HostRecord extends SharedHostBaseline {
  readonly stateDir: string;
  readonly slot: number;
  readonly cgroupRoot: string;
  readonly containerdSocket: string;
  /** The DNAT rule's arguments in table nat (after `-A` / `-D`). */
  readonly dnatRule: readonly string[];
  readonly bridge: string;
  readonly pids: { kubelet?: ProcessId; containerd?: ProcessId };
}

async function readRecordFile(slot: number): Promise<HostRecord | undefined> {
  const path = hostRecordPath(slot);
  if (!existsSync(path)) return undefined;
  const text = await readFile(path, 'utf8');
  // An empty file is a claim being written (under the lock): no record to read yet, while its
  // exclusive create already holds the slot.
  return text.trim() ? (JSON.parse(text) as HostRecord) : undefined;
}

/** Every real node's record on this machine, by slot. */
export async function readHostRecords(): Promise<HostRecord[]> {
  const records: HostRecord[] = [];
  for (let slot = 0; slot < realNodeSlots; slot++) {
    const record = await readRecordFile(slot);
    if (record) records.push(record);
  }
  return records;
}

export async function hostRecordOf(stateDir: string): Promise<HostRecord | undefined> {
  return (await readHostRecords()).find((r) => r.stateDir === stateDir);
}

/** Claims and restores of the shared host state run one at a time on a machine. */
export async function withSharedHostState(action: () => Promise<void>): Promise<void> {
  await mkdir(hostRecordDir, { recursive: true });
  await withLock(join(hostRecordDir, 'shared-state.lock'), action);
}

/**
 * Takes the first free slot and writes its record (call inside withSharedHostState). The shared
 * baseline is the running nodes' one when there are any (the host state they changed is not the
 * state to restore), else `hostBaseline()`. Returns undefined when every slot is taken.
 */
export async function claimHostRecord(
  record: (slot: number, shared: SharedHostBaseline) => HostRecord,
  hostBaseline: () => Promise<SharedHostBaseline>,
): Promise<HostRecord | undefined> {
  const running = (await readHostRecords())[0];
  for (let slot = 0; slot < realNodeSlots; slot++) {
    const handle = await open(hostRecordPath(slot), 'wx').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    });
    if (!handle) continue;
    try {
      const shared: SharedHostBaseline = running
        ? {
            sysctls: running.sysctls,
            chainsBefore: running.chainsBefore,
            pathsCreated: running.pathsCreated,
          }
        : await hostBaseline();
      const claimed = record(slot, shared);
      await handle.writeFile(JSON.stringify(claimed, null, 2));
      await handle.close();
      return claimed;
    } catch (error) {
      await handle.close().catch(() => undefined);
      await removeHostRecord(slot);
      throw error;
    }
  }
  return undefined;
}

export async function writeHostRecord(record: HostRecord): Promise<void> {
  await mkdir(hostRecordDir, { recursive: true });
  await writeFile(hostRecordPath(record.slot), JSON.stringify(record, null, 2));
}

export async function removeHostRecord(slot: number): Promise<void> {
  await rm(hostRecordPath(slot), { force: true });
}
