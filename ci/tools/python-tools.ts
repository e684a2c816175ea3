// The Python tools chart-testing calls (yamale, yamllint), pinned in ci/requirements.txt and
// installed into a virtual environment in the tools cache: nothing is installed into the system's
// Python and no step beyond `npm test` is needed.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../lib/helm.ts';
import { run } from '../lib/process.ts';
import type { Progress } from '../lib/progress.ts';
import { toolsCacheDir } from './build.ts';
import { ensureDebianPackages } from './system-packages.ts';

const requirements = join(repoRoot, 'ci', 'requirements.txt');
const readyStamp = '.onload-ready';

async function venvDir(): Promise<string> {
  const key = createHash('sha256')
    .update(await readFile(requirements))
    .digest('hex')
    .slice(0, 12);
  return join(toolsCacheDir(), `python-${key}`);
}

async function createVenv(dir: string, progress: Progress): Promise<void> {
  const attempt = await run('python3', ['-m', 'venv', dir], { allowFailure: true });
  if (attempt.code === 0) return;
  // Debian's own python3 ships venv's pip bootstrap separately.
  if (!/ensurepip|python3-venv/.test(attempt.stdout + attempt.stderr))
    throw new Error(`python3 -m venv ${dir} failed:\n${attempt.stderr || attempt.stdout}`);
  await rm(dir, { recursive: true, force: true });
  await ensureDebianPackages(['python3-venv'], 'the Python virtual environment', progress);
  await run('python3', ['-m', 'venv', dir]);
}

/** Returns the bin directory holding yamale and yamllint, creating the environment once. */
export async function ensurePythonTools(progress: Progress): Promise<string> {
  const dir = await venvDir();
  const bin = join(dir, 'bin');
  if (existsSync(join(dir, readyStamp))) return bin;
  progress(`installing yamale and yamllint (ci/requirements.txt) into ${dir}`);
  await rm(dir, { recursive: true, force: true });
  try {
    await createVenv(dir, progress);
    await run(join(bin, 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '-r',
      requirements,
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `installing chart-testing's Python tools failed (needs python3 with venv and pip): ${String(error)}`,
      { cause: error },
    );
  }
  await writeFile(join(dir, readyStamp), '');
  return bin;
}
