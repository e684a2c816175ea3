// Running a program of the host's Onload userland with the host's own libraries. orm_json from
// an Onload build with libpcap's headers present (upstream's onload-user image and ours) needs
// libpcap.so.1 besides glibc, which the hooks image does not have; Onload's own troubleshooting
// guide runs its tools with `chroot /host`. Node.js cannot chroot, so the runner starts the
// program through the host's dynamic loader with the host's library directories instead
// (`ld.so --inhibit-cache --library-path <dirs> <program> <args>`): the program, glibc and
// libpcap then all come from the host. Symbolic links are followed inside the host root (an
// absolute link such as Debian's /lib64/ld-linux-x86-64.so.2 points into the host, not here).
import { lstat, open, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

const loaders: Readonly<Partial<Record<NodeJS.Architecture, string>>> = {
  x64: '/lib64/ld-linux-x86-64.so.2',
  arm64: '/lib/ld-linux-aarch64.so.1',
  ppc64: '/lib64/ld64.so.2',
};

const libraryDirs: Readonly<Partial<Record<NodeJS.Architecture, readonly string[]>>> = {
  x64: ['/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'],
  arm64: ['/lib64', '/usr/lib64', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'],
  ppc64: ['/lib64', '/usr/lib64', '/lib/powerpc64le-linux-gnu', '/usr/lib/powerpc64le-linux-gnu'],
};

/** `path` (absolute, as seen on the host) resolved under `root`, links followed inside it. */
export async function resolveUnder(
  root: string,
  path: string,
  hops = 0,
): Promise<string | undefined> {
  const parts = posix.normalize(`/${path}`).split('/').filter(Boolean);
  let current = '';
  for (const [i, part] of parts.entries()) {
    const next = `${current}/${part}`;
    const stats = await lstat(join(root, next)).catch(() => undefined);
    if (!stats) return undefined;
    if (stats.isSymbolicLink()) {
      if (hops >= 32) return undefined;
      const target = await readlink(join(root, next));
      const base = target.startsWith('/') ? target : `${current}/${target}`;
      return resolveUnder(root, [base, ...parts.slice(i + 1)].join('/'), hops + 1);
    }
    current = next;
  }
  return join(root, current);
}

/** True when the file starts with the ELF magic number (false for scripts and unreadable files). */
export async function isElf(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return false;
  try {
    const { bytesRead, buffer } = await file.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === '\x7fELF';
  } finally {
    await file.close();
  }
}

export interface ExecPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** How the program is started, for the log. */
  readonly how: string;
}

/**
 * How to start `command`: through the host's loader and libraries when `hostRoot` is set, the
 * command is an ELF program and the host has a loader for this architecture; as it is otherwise.
 */
export async function planExec(
  command: string,
  args: readonly string[],
  hostRoot: string | undefined,
  arch: NodeJS.Architecture = process.arch,
): Promise<ExecPlan> {
  const direct = { file: command, args, how: `${command} (with this image's libraries)` };
  if (!hostRoot || !(await isElf(command))) return direct;
  const loaderPath = loaders[arch];
  const loader = loaderPath ? await resolveUnder(hostRoot, loaderPath) : undefined;
  if (!loader)
    return {
      ...direct,
      how: `${direct.how}: no host loader ${loaderPath ?? `for ${arch}`} under ${hostRoot}`,
    };
  const dirs: string[] = [];
  for (const dir of libraryDirs[arch] ?? []) {
    const resolved = await resolveUnder(hostRoot, dir);
    if (resolved && !dirs.includes(resolved)) dirs.push(resolved);
  }
  return {
    file: loader,
    args: ['--inhibit-cache', '--library-path', dirs.join(':'), command, ...args],
    how: `${command} through the host's loader ${loader} and libraries ${dirs.join(':')}`,
  };
}
