// Which test beds this checkout started with `npm run cluster -- up`: a list kept in the
// checkout's own .testbed/ (gitignored), so `down` in one checkout never stops another's beds.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repoRoot } from '../lib/helm.ts';

export const ownBedsFile = join(repoRoot, '.testbed', 'beds');

export async function ownBeds(file = ownBedsFile): Promise<string[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
}

export async function rememberBed(stateDir: string, file = ownBedsFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, [...(await ownBeds(file)), stateDir].join('\n') + '\n');
}

export async function forgetBeds(stateDirs: readonly string[], file = ownBedsFile): Promise<void> {
  const left = (await ownBeds(file)).filter((d) => !stateDirs.includes(d));
  await writeFile(file, left.map((d) => `${d}\n`).join(''));
}
