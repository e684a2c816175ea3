import { join } from 'node:path';
import { binaryPath, ensureTool } from '../tools/build.ts';
import { progressTo } from './progress.ts';
import { run, type RunOptions, type RunResult } from './process.ts';

export type HelmMajor = 3 | 4;

export const repoRoot = join(import.meta.dirname, '..', '..');
export const chartDir = join(repoRoot, 'charts', 'onload');

/** Path of the pinned Helm binary of that major version, built first if missing. */
export async function helmPath(major: HelmMajor): Promise<string> {
  const name = major === 3 ? 'helm3' : 'helm4';
  await ensureTool(name, progressTo('tools'));
  return binaryPath(name, 'helm');
}

/**
 * Runs Helm with an isolated home (no user repositories, plugins or caches leak in).
 * Pass `allowFailure` to inspect a non-zero exit instead of rejecting.
 */
export async function helm(
  major: HelmMajor,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const env = { ...process.env, ...options.env, ...helmHomeEnv(major) };
  return run(await helmPath(major), args, { ...options, env });
}

/** A Helm home of the project's own for that major version (cache, config, data). */
export function helmHomeEnv(major: HelmMajor): Record<string, string> {
  const home = join(repoRoot, 'node_modules', '.cache', `helm${major}-home`);
  return {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}
