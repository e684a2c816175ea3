// Writes a one-layer OCI image archive (the `oci-archive` layout `ctr images import` reads) from a
// directory tree, with no container tooling: a reproducible tar layer, its config and manifest.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../lib/process.ts';

export interface OciImageSpec {
  /** Full reference, e.g. localhost/onload/pause:3.10. */
  readonly reference: string;
  readonly entrypoint: readonly string[];
  readonly user: string;
}

interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function putBlob(layoutDir: string, data: Buffer, mediaType: string): Promise<Blob> {
  const digest = sha256(data);
  await writeFile(join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { mediaType, digest, size: data.length };
}

/** Packs `rootfs` into an OCI archive at `archive`; returns the manifest digest. */
export async function writeOciArchive(
  rootfs: string,
  spec: OciImageSpec,
  archive: string,
): Promise<string> {
  const work = await mkdtemp(join(dirname(archive), '.oci-'));
  try {
    const layoutDir = join(work, 'layout');
    await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
    const layerFile = join(work, 'layer.tar');
    await run('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '-C',
      rootfs,
      '-cf',
      layerFile,
      '.',
    ]);
    const layer = await putBlob(
      layoutDir,
      await readFile(layerFile),
      'application/vnd.oci.image.layer.v1.tar',
    );
    const config = await putBlob(
      layoutDir,
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Entrypoint: spec.entrypoint, User: spec.user },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
      'application/vnd.oci.image.config.v1+json',
    );
    const manifest = await putBlob(
      layoutDir,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [layer],
        }),
      ),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const tag = spec.reference.slice(spec.reference.lastIndexOf(':') + 1);
    await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      join(layoutDir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            ...manifest,
            annotations: {
              'io.containerd.image.name': spec.reference,
              'org.opencontainers.image.ref.name': tag,
            },
          },
        ],
      }),
    );
    const partial = `${archive}.partial-${process.pid}`;
    await run('tar', ['--sort=name', '--mtime=@0', '-C', layoutDir, '-cf', partial, '.']);
    await rename(partial, archive);
    return manifest.digest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
