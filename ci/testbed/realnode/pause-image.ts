// The real node's sandbox ("pause") image, built here: the static pause binary from the
// Kubernetes module's build/pause/linux/pause.c, packed as an OCI archive in the tools cache.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/process.ts';
import type { Progress } from '../../lib/progress.ts';
import { sourceModuleDir, toolsCacheDir } from '../../tools/build.ts';
import { sourceModules } from '../../tools/catalog.ts';
import { sandboxImage } from './config.ts';
import { writeOciArchive } from './oci-archive.ts';

export async function ensurePauseImage(progress: Progress): Promise<string> {
  const dir = join(toolsCacheDir(), `pause-${sourceModules.kubernetes.version}`);
  const archive = join(dir, 'pause.oci.tar');
  if (existsSync(archive)) return archive;
  progress(`building the pause image ${sandboxImage} from the Kubernetes module's pause.c`);
  await mkdir(dir, { recursive: true });
  const rootfs = await mkdtemp(join(dir, '.rootfs-'));
  try {
    const source = join(await sourceModuleDir('kubernetes'), 'build', 'pause', 'linux', 'pause.c');
    await run('gcc', [
      '-Os',
      '-Wall',
      '-Werror',
      '-static',
      `-DVERSION=${sourceModules.kubernetes.version}-onload-testbed`,
      '-o',
      join(rootfs, 'pause'),
      source,
    ]);
    await writeOciArchive(
      rootfs,
      { reference: sandboxImage, entrypoint: ['/pause'], user: '65535:65535' },
      archive,
    );
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
  return archive;
}
