// mmdebstrap builds the image bases from the host's own Debian sources (its mirror, its proxy),
// so nothing here names a mirror.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HostRelease {
  readonly id: string;
  readonly codename: string;
}

export function parseOsRelease(text: string): HostRelease {
  const value = (key: string): string =>
    new RegExp(`^${key}=("?)([^"\\n]*)\\1$`, 'm').exec(text)?.[2] ?? '';
  return { id: value('ID'), codename: value('VERSION_CODENAME') };
}

/** The Debian sources files (one-line or deb822) that serve `codename`, as one text. */
export function sourcesFor(files: readonly string[], codename: string): string {
  const serves = (text: string): boolean => {
    const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
    return (
      lines.some((l) => new RegExp(`\\b${codename}\\b`).test(l)) &&
      lines.some((l) => /:\/\/\S*\/debian\b/.test(l))
    );
  };
  return files.filter(serves).join('\n\n');
}

export async function hostDebianSources(): Promise<{ suite: string; sources: string }> {
  const release = parseOsRelease(await readFile('/etc/os-release', 'utf8').catch(() => ''));
  if (release.id !== 'debian' || !release.codename)
    throw new Error(
      `npm run image builds its bases from the host's Debian packages (mmdebstrap); this host is ` +
        `"${release.id || 'unknown'}". Build with podman or docker instead (images/hooks/README.md).`,
    );
  const dir = '/etc/apt/sources.list.d';
  const names = existsSync(dir) ? await readdir(dir) : [];
  const paths = [
    '/etc/apt/sources.list',
    ...names.filter((n) => /\.(list|sources)$/.test(n)).map((n) => join(dir, n)),
  ];
  const texts = await Promise.all(paths.map((p) => readFile(p, 'utf8').catch(() => '')));
  const sources = sourcesFor(texts, release.codename);
  if (!sources)
    throw new Error(
      `no apt source for Debian ${release.codename} in /etc/apt: mmdebstrap needs one`,
    );
  return { suite: release.codename, sources };
}
