// The bed's fixture image for the Solarflare tools: the hooks image's build base (Debian's
// Essential set: sh, coreutils with timeout and chroot; Node.js) plus fixture sfreport, sfboot,
// sfupdate and sfptpd (ci/e2e/fixtures/troubleshooting/image/), sfptpd being its entrypoint as in
// sfptpd's image, exported as an OCI archive the real node imports. One build per content of its
// inputs; no registry, no daemon.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { $ as zx } from 'zx';
import { repoRoot } from '../lib/helm.ts';
import type { Progress } from '../lib/progress.ts';
import { ensureDebianPackages } from '../tools/system-packages.ts';
import { baseReferences, ensureBases } from './bases.ts';
import { imagesCacheDir, imageToolPackages, pins } from './hooks-image.ts';

const $ = zx({ quiet: true });
const repository = 'localhost/onload/troubleshooting-fixture';
// Debian's usual PATH: the reports find chroot in /usr/sbin.
const imagePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Fixture sfreport, sfboot, sfupdate and sfptpd (ci/e2e/fixtures/troubleshooting/image/).
const toolsDir = join(repoRoot, 'ci/e2e/fixtures/troubleshooting/image');
const tools = ['sfreport', 'sfboot', 'sfupdate', 'sfptpd'];
// What the fixture sfptpd serves: the metrics tests' OpenMetrics stand-in and fixture.
const metricsFixtures = join(repoRoot, 'hooks/src/metrics/fixtures');
const sfptpdFiles: Readonly<Record<string, string>> = {
  'fake-sfptpd.mjs': join(metricsFixtures, 'fake-sfptpd.mjs'),
  'openmetrics.txt': join(metricsFixtures, 'sfptpd-openmetrics-2-instances.txt'),
};
const sfptpdShare = '/usr/local/share/sfptpd-fixture';

export interface FixtureImage {
  readonly reference: string;
  readonly archive: string;
}

export async function ensureTroubleshootingFixtureImage(progress: Progress): Promise<FixtureImage> {
  const { pins: basePins, sources } = await pins();
  const dir = join(imagesCacheDir(), 'fixtures');
  const key = createHash('sha256')
    .update(baseReferences(basePins).build)
    .update((await Promise.all(tools.map((t) => readFile(join(toolsDir, t))))).join('\0'))
    .update((await Promise.all(Object.values(sfptpdFiles).map((f) => readFile(f)))).join('\0'))
    .update(imagePath)
    .digest('hex')
    .slice(0, 12);
  const reference = `${repository}:${key}`;
  const archive = join(dir, `troubleshooting-fixture-${key}.oci.tar`);
  if (existsSync(archive)) return { reference, archive };

  await ensureDebianPackages(
    imageToolPackages,
    'building the troubleshooting fixture image',
    progress,
  );
  const bases = await ensureBases(basePins, sources, join(imagesCacheDir(), 'work'), progress);
  await mkdir(dir, { recursive: true });
  progress(`building ${reference} (the build base and fixture sfreport, sfboot, sfupdate, sfptpd)`);
  const container = (await $`buildah from ${bases.build}`).stdout.trim();
  try {
    for (const tool of tools)
      await $`buildah copy --quiet --chmod 0755 ${container} ${join(toolsDir, tool)} ${`/usr/local/bin/${tool}`}`;
    for (const [name, file] of Object.entries(sfptpdFiles))
      await $`buildah copy --quiet --chmod 0644 ${container} ${file} ${`${sfptpdShare}/${name}`}`;
    await $`buildah config --env ${`PATH=${imagePath}`} --entrypoint ${'["/usr/local/bin/sfptpd"]'} --cmd ${'[]'} ${container}`;
    await $`buildah commit --quiet --rm ${container} ${reference}`;
  } catch (error) {
    await $`buildah rm ${container}`.nothrow();
    throw error;
  }
  const partial = `${archive}.partial`;
  await $`skopeo copy --quiet ${`containers-storage:${reference}`} ${`oci-archive:${partial}:${reference}`}`;
  await rename(partial, archive);
  // Earlier builds' archives and images (other keys) are not used any more.
  for (const file of await readdir(dir))
    if (join(dir, file) !== archive) await rm(join(dir, file), { force: true });
  const images = await $`buildah images --format {{.Name}}:{{.Tag}}`.nothrow();
  for (const old of images.stdout.split('\n').map((l) => l.trim()))
    if (old.startsWith(`${repository}:`) && old !== reference)
      await $`buildah rmi ${old}`.nothrow();
  return { reference, archive };
}
