// `npm run image`: the hooks image (images/hooks/Containerfile) built with buildah and no daemon,
// exported as an OCI archive into the tools cache. One build per content of its inputs.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../lib/helm.ts';
import { $ as zx } from 'zx';
import { formatSeconds, heartbeat, type Progress } from '../lib/progress.ts';
import { toolsCacheDir } from '../tools/build.ts';
import { ensureDebianPackages } from '../tools/system-packages.ts';
import { hostDebianSources } from './apt-sources.ts';
import { ensureBases } from './bases.ts';
import { contentKey, type BasePins } from './inputs.ts';

const $ = zx({ quiet: true });

export interface HooksImage {
  /** Name the chart's pods use, e.g. localhost/onload/onload-hooks:0.1.0-<key>. */
  readonly reference: string;
  /** OCI archive (`skopeo copy … oci-archive:`), importable with `ctr images import`. */
  readonly archive: string;
  /** Manifest digest. */
  readonly digest: string;
  /** Image ID (config digest), as a container runtime reports it. */
  readonly imageId: string;
  /** Unpacked size as buildah reports it, e.g. "160 MB". */
  readonly size: string;
  readonly archiveBytes: number;
  /** Whether this call built it (false: taken from the cache). */
  readonly built: boolean;
  readonly seconds: number;
}

export const imageToolPackages = ['mmdebstrap', 'buildah', 'skopeo'] as const;
const npmVersion = '11.19.1';
const keep = 3;

export function imagesCacheDir(): string {
  return join(toolsCacheDir(), 'images');
}

export async function pins(): Promise<{ pins: BasePins; sources: string }> {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const node = pkg.devDependencies.node;
  if (!node) throw new Error('package.json pins no Node.js (devDependencies.node)');
  const { suite, sources } = await hostDebianSources();
  return { pins: { suite, node, npm: npmVersion }, sources };
}

async function gitOutput(args: readonly string[]): Promise<string> {
  const out = await $({ cwd: repoRoot })`git ${args}`.nothrow();
  return out.exitCode === 0 ? out.stdout.trim() : '';
}

async function labelArgs(version: string): Promise<string[]> {
  const head = await gitOutput(['rev-parse', 'HEAD']);
  const dirty = (await gitOutput(['status', '--porcelain'])) !== '';
  const origin = await gitOutput(['remote', 'get-url', 'origin']);
  return [
    `VERSION=${version}`,
    `REVISION=${head ? `${head}${dirty ? '-dirty' : ''}` : 'unknown'}`,
    ...(/^(https:\/\/|git@)/.test(origin) ? [`SOURCE=${origin}`] : []),
  ].flatMap((arg) => ['--build-arg', arg]);
}

async function caMounts(work: string): Promise<string[]> {
  // Registries behind a TLS-intercepting proxy: npm in the build stage trusts the host's CAs.
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(bundle)) return [];
  const npmrc = join(work, 'npmrc');
  await writeFile(npmrc, `cafile=${bundle}\nupdate-notifier=false\n`);
  return ['-v', `${bundle}:${bundle}:ro`, '-v', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

async function inspectBuilt(reference: string): Promise<{ imageId: string; size: string }> {
  const info = (await $`buildah inspect --type image ${reference}`).json<{ FromImageID: string }>();
  const images = await $`buildah images --json --filter ${`reference=${reference}`}`;
  const [entry] = images.json<{ size?: string }[]>();
  return { imageId: `sha256:${info.FromImageID}`, size: entry?.size ?? 'unknown' };
}

async function prune(current: string): Promise<void> {
  const dir = imagesCacheDir();
  const metas = (await readdir(dir)).filter((f) => f.endsWith('.oci.json'));
  const dated = await Promise.all(
    metas.map(async (f) => ({ f, mtime: (await stat(join(dir, f))).mtimeMs })),
  );
  const old = dated
    .sort((a, b) => b.mtime - a.mtime)
    .slice(keep)
    .map((d) => d.f);
  for (const meta of old) {
    const image = JSON.parse(await readFile(join(dir, meta), 'utf8')) as HooksImage;
    if (image.reference === current) continue;
    await $`buildah rmi ${image.reference}`.nothrow();
    await rm(image.archive, { force: true });
    await rm(join(dir, meta), { force: true });
  }
}

export async function ensureHooksImage(progress: Progress): Promise<HooksImage> {
  const started = Date.now();
  const { pins: basePins, sources } = await pins();
  const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const tag = `${version}-${await contentKey(repoRoot, basePins)}`;
  const reference = `localhost/onload/onload-hooks:${tag}`;
  const dir = imagesCacheDir();
  const archive = join(dir, `onload-hooks-${tag}.oci.tar`);
  const metaFile = join(dir, `onload-hooks-${tag}.oci.json`);
  if (existsSync(archive) && existsSync(metaFile)) {
    const cached = JSON.parse(await readFile(metaFile, 'utf8')) as HooksImage;
    return { ...cached, built: false, seconds: (Date.now() - started) / 1000 };
  }

  await ensureDebianPackages(imageToolPackages, 'building the hooks image', progress);
  await mkdir(dir, { recursive: true });
  const bases = await ensureBases(basePins, sources, join(dir, 'work'), progress);
  const work = await mkdtemp(join(dir, 'work', 'build-'));
  progress(`building ${reference} with buildah (images/hooks/Containerfile)`);
  const stop = heartbeat(30_000, (elapsed) => {
    progress(`  ... image build: ${formatSeconds(elapsed)} elapsed`);
  });
  try {
    const containerfile = ['-f', 'images/hooks/Containerfile'];
    const ignorefile = ['--ignorefile', 'images/hooks/Containerfile.dockerignore'];
    const baseArgs = [`NODE_IMAGE=${bases.build}`, `RUNTIME_BASE=${bases.runtime}`].flatMap((a) => [
      '--build-arg',
      a,
    ]);
    const extra = [...(await labelArgs(version)), ...(await caMounts(work))];
    await $({
      cwd: repoRoot,
    })`buildah build --isolation chroot --layers ${containerfile} ${ignorefile} ${baseArgs} ${extra} -t ${reference} .`;
    const partial = `${archive}.partial`;
    await $`skopeo copy --quiet ${`containers-storage:${reference}`} ${`oci-archive:${partial}:${reference}`}`;
    await rename(partial, archive);
  } finally {
    stop();
    await rm(work, { recursive: true, force: true });
  }
  const digest = (await $`skopeo inspect ${`oci-archive:${archive}`}`).json<{ Digest: string }>()
    .Digest;
  const image: HooksImage = {
    reference,
    archive,
    digest,
    ...(await inspectBuilt(reference)),
    archiveBytes: (await stat(archive)).size,
    built: true,
    seconds: (Date.now() - started) / 1000,
  };
  await writeFile(metaFile, JSON.stringify(image, null, 2));
  await prune(reference);
  return image;
}
