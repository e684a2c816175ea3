// Stage 5 (IO): write the generated files, or (check mode) report the ones that differ.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readOptional } from './read.ts';
import type { GeneratedFile } from './render.ts';

export interface StaleFile {
  readonly path: string;
  readonly reason: 'missing' | 'stale';
}

/** Pure: which generated files differ from what is on disk. */
export function staleFiles(
  files: readonly GeneratedFile[],
  onDisk: ReadonlyMap<string, string | undefined>,
): StaleFile[] {
  return files.flatMap((file): StaleFile[] => {
    const current = onDisk.get(file.path);
    if (current === undefined) return [{ path: file.path, reason: 'missing' }];
    return current === file.content ? [] : [{ path: file.path, reason: 'stale' }];
  });
}

export async function readCurrent(
  root: string,
  files: readonly GeneratedFile[],
): Promise<Map<string, string | undefined>> {
  const entries = await Promise.all(
    files.map(async (file) => [file.path, await readOptional(join(root, file.path))] as const),
  );
  return new Map(entries);
}

/** Writes the files that changed; returns their paths. */
export async function writeChanged(
  root: string,
  files: readonly GeneratedFile[],
): Promise<string[]> {
  const stale = staleFiles(files, await readCurrent(root, files));
  const changed = new Set(stale.map((s) => s.path));
  for (const file of files.filter((f) => changed.has(f.path))) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.content);
  }
  return [...changed];
}
