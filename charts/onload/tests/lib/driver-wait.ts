// The init step's driver wait ("onload.waitForDriverScript") as rendered, and a fake node to run it
// on with sh: a /sys/module and an /opt/onload in a temporary directory, whose libonload.so and
// onload_cp_server are scripts printing what the real ones print.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { container, daemonSet, podSpec } from './manifests.ts';
import { render } from './render.ts';
import { runScript, type RunningScript } from './shell.ts';

const lastWaitLine = `printf '%s\\n' "onload driver $have matches $against"`;
export const libonload = '/opt/onload/usr/lib64/libonload.so';
export const cpServer = '/opt/onload/sbin/onload_cp_server';

export interface RenderedWait {
  readonly script: string;
  /** ONLOAD_VERSION, i.e. onload.version of the minimal variant (8.1.2.26). */
  readonly label: string;
}

/** The driver wait of a DaemonSet's init container, rendered from the minimal variant. */
export async function renderedWait(daemonSetName: string): Promise<RenderedWait> {
  const init = container(
    podSpec(daemonSet(await render({ variant: 'minimal' }), daemonSetName)),
    'init',
    true,
  );
  const full = init.command?.[2] ?? '';
  const end = full.indexOf(lastWaitLine);
  if (end < 0) throw new Error(`${daemonSetName}: init script has no driver wait`);
  const label = init.env?.find((e) => e.name === 'ONLOAD_VERSION')?.value ?? '';
  return { script: full.slice(0, end + lastWaitLine.length), label };
}

/** What libonload.so prints when run as a program (release build). */
export const librarySays = (version: string): string =>
  `printf 'Onload %s\\nCopyright (c) 2002-2026 Advanced Micro Devices, Inc.\\nBuilt: Jan  1 2026 00:00:00 (release)\\n' '${version}'`;

/** What onload_cp_server --version prints: a log line with its prefix, on stderr. */
export const cpServerSays = (version: string): string =>
  `[ "$1" = --version ] || exit 2\nprintf 'onload_cp_server[42]: Version: %s\\nCopyright (c) 2002-2026 Advanced Micro Devices, Inc.\\n' '${version}' >&2`;

export interface FakeNode {
  /** Writes an executable (by default) script at `path` (e.g. libonload) under the fake root. */
  readonly program: (path: string, body: string, mode?: number) => Promise<void>;
  /** Makes /sys/module/onload/version say `reports`. */
  readonly loadDriver: (reports: string) => Promise<void>;
  /** Runs the wait on this node, polling every 0.1 s instead of 5 s. */
  readonly run: (wait: RenderedWait) => RunningScript;
  /** `text` with the fake root taken out of its paths. */
  readonly shown: (text: string) => string;
  readonly remove: () => Promise<void>;
}

export async function fakeNode(): Promise<FakeNode> {
  const root = await mkdtemp(join(tmpdir(), 'driver-wait-'));
  const relocated = (script: string): string => {
    const swaps: readonly (readonly [string, string])[] = [
      ['userland=/opt/onload', `userland=${root}/opt/onload`],
      ['driver=/host/sys/module/onload/version', `driver=${root}/sys/module/onload/version`],
      ['sleep 5', 'sleep 0.1'],
    ];
    return swaps.reduce((s, [from, to]) => {
      if (s.split(from).length !== 2) throw new Error(`script must contain "${from}" once`);
      return s.replace(from, to);
    }, script);
  };
  return {
    program: async (path, body, mode = 0o755) => {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `#!/bin/sh\n${body}\n`);
      await chmod(file, mode);
    },
    loadDriver: async (reports) => {
      await mkdir(join(root, 'sys/module/onload'), { recursive: true });
      await writeFile(join(root, 'sys/module/onload/version'), `${reports}\n`);
    },
    run: (wait) => runScript(relocated(wait.script), { ONLOAD_VERSION: wait.label }),
    shown: (text) => text.replaceAll(root, ''),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
