// Debian packages the test bed needs beyond the machine's base (container tools, a real node's
// runtime, chart-testing's YAML lint). Installed with apt-get when missing, saying which; a
// machine that cannot install them fails naming the packages and the command to run.
import { run } from '../lib/process.ts';
import type { Progress } from '../lib/progress.ts';

async function isInstalled(pkg: string): Promise<boolean> {
  const result = await run('dpkg-query', ['-W', '-f=${Status}', pkg], {
    allowFailure: true,
  }).catch((error: unknown) => {
    throw new Error(
      `this step needs the Debian packages it names (${pkg}, …) and this machine has no dpkg: ` +
        'install their equivalents by hand',
      { cause: error },
    );
  });
  return result.code === 0 && result.stdout.includes('install ok installed');
}

export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
  return missing;
}

let aptUpdated = false;

/** Installs the Debian packages that are missing (as root, through apt-get). */
export async function ensureDebianPackages(
  packages: readonly string[],
  why: string,
  progress: Progress,
): Promise<void> {
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${why} needs the Debian packages ${missing.join(', ')}; install them as root: ${command}`,
    );
  }
  progress(`installing Debian packages for ${why}: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    if (!aptUpdated) await run('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  } catch (error) {
    throw new Error(
      `${why}: installing ${missing.join(', ')} failed; run \`${command}\` as root and retry\n${String(error)}`,
      { cause: error },
    );
  }
}
