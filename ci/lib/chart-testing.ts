// Running chart-testing (`ct`): the Helm it should call, its Python tools (yamale, yamllint),
// kubectl (ct install) and a Helm home of its own, all on PATH/env without touching the user's.
import { dirname } from 'node:path';
import { ensurePythonTools } from '../tools/python-tools.ts';
import { binaryPath, ensureTool } from '../tools/build.ts';
import { ensureDebianPackages } from '../tools/system-packages.ts';
import { helmHomeEnv, helmPath, repoRoot, type HelmMajor } from './helm.ts';
import { run, type RunOptions, type RunResult } from './process.ts';
import type { Progress } from './progress.ts';

export async function chartTesting(
  helmMajor: HelmMajor,
  args: readonly string[],
  progress: Progress,
  options: RunOptions = {},
): Promise<RunResult> {
  await ensureTool('chartTesting', progress);
  await ensureDebianPackages(['git'], 'chart-testing', progress);
  const pythonBin = await ensurePythonTools(progress);
  const helmDir = dirname(await helmPath(helmMajor));
  return run(binaryPath('chartTesting', 'ct'), args, {
    cwd: repoRoot,
    ...options,
    env: {
      ...process.env,
      ...options.env,
      PATH: `${helmDir}:${pythonBin}:${dirname(binaryPath('kubernetes', 'kubectl'))}:${process.env.PATH ?? ''}`,
      ...helmHomeEnv(helmMajor),
    },
  });
}
