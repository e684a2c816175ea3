// `kubectl onload` as a user runs it: the built executable on PATH, found by kubectl's plugin
// lookup, against the bed's kubeconfig. Its own process; Node.js 24 first on PATH, as its
// install notes ask.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildCli } from '../../cli/build.ts';
import { run, type RunResult } from '../lib/process.ts';
import { testbed } from '../testbed/session.ts';
import { binaryPath } from '../tools/build.ts';

let pluginDir: Promise<string> | undefined;

async function installedPlugin(): Promise<string> {
  pluginDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubectl-onload-'));
    await buildCli(join(dir, 'kubectl-onload'), () => undefined);
    return dir;
  })();
  return pluginDir;
}

/** `kubectl onload <args> --kubeconfig <bed>`; resolves with the exit code, never rejects on it. */
export async function kubectlOnload(args: readonly string[], cwd?: string): Promise<RunResult> {
  const dir = await installedPlugin();
  return run(
    binaryPath('kubernetes', 'kubectl'),
    ['onload', ...args, '--kubeconfig', testbed().kubeconfig],
    {
      allowFailure: true,
      ...(cwd !== undefined ? { cwd } : {}),
      env: {
        ...process.env,
        PATH: [dir, dirname(process.execPath), process.env.PATH ?? ''].join(':'),
      },
    },
  );
}
