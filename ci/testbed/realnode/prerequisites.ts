// What a machine needs to run the test bed's real node; each missing piece fails naming it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Progress } from '../../lib/progress.ts';
import { ensureDebianPackages } from '../../tools/system-packages.ts';
import { cgroupMounts } from './host-state.ts';

/** Debian packages of the real node: runtime, CNI plugins, iptables, a C compiler for pause. */
export const realNodePackages = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iptables',
  'gcc',
  'libc6-dev',
] as const;

export const cniBinDir = '/usr/lib/cni';

export async function checkRealNodePrerequisites(progress: Progress): Promise<void> {
  const why = 'the test bed’s real node (kubelet + containerd)';
  if (process.platform !== 'linux') throw new Error(`${why} needs Linux`);
  if (process.getuid?.() !== 0)
    throw new Error(
      `${why} needs root (it creates cgroups, a bridge, iptables rules and mounts); run as root or start the bed without a real node`,
    );
  await ensureDebianPackages(realNodePackages, why, progress);
  const missing = [
    '/usr/bin/containerd',
    '/usr/sbin/runc',
    `${cniBinDir}/bridge`,
    `${cniBinDir}/host-local`,
    `${cniBinDir}/loopback`,
  ].filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`${why} needs ${missing.join(', ')} (not found)`);
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  if (cgroupMounts(mountinfo).length === 0)
    throw new Error(`${why} needs cgroups mounted under /sys/fs/cgroup (none found)`);
  if (!(await readFile('/proc/filesystems', 'utf8')).includes('overlay'))
    throw new Error(`${why} needs the kernel's overlay filesystem (containerd's snapshotter)`);
}
