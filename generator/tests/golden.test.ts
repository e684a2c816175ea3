// The whole pipeline against the committed generated files (what `npm run generate -- --check`
// does), and the command's check/write behaviour on a scratch copy of the sources.
import { describe, expect, it } from '@jest/globals';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../ci/lib/process.ts';
import { generate } from '../pipeline.ts';
import { readSources } from '../stages/read.ts';
import { readCurrent, staleFiles } from '../stages/write.ts';
import { outputFiles, sourceFiles } from '../sources.ts';
import { repoRoot } from './sources.ts';

const main = join(repoRoot, 'generator/main.ts');

describe('generated files', () => {
  it('are up to date with schema/ (run npm run generate if this fails)', async () => {
    const files = generate(await readSources(repoRoot));
    expect(files.map((f) => f.path)).toEqual(Object.values(outputFiles));
    const stale = staleFiles(files, await readCurrent(repoRoot, files));
    expect(stale).toEqual([]);
  });

  it('are deterministic', async () => {
    const sources = await readSources(repoRoot);
    expect(generate(sources)).toEqual(generate(structuredClone(sources)));
  });
});

describe('npm run generate', () => {
  async function scratchCopy(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'onload-generate-'));
    for (const path of Object.values(sourceFiles)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await cp(join(repoRoot, path), join(dir, path));
    }
    // The README is also an input: only its values table is generated.
    await mkdir(join(dir, outputFiles.readme, '..'), { recursive: true });
    await cp(join(repoRoot, outputFiles.readme), join(dir, outputFiles.readme));
    return dir;
  }
  const generateIn = (root: string, ...args: string[]) =>
    run(process.execPath, [main, '--root', root, ...args], { allowFailure: true });

  it('--check lists every missing or stale file and writes nothing; a run writes them', async () => {
    const root = await scratchCopy();
    try {
      const missing = await generateIn(root, '--check');
      expect(missing.code).toBe(1);
      const created = Object.values(outputFiles).filter((p) => p !== outputFiles.readme);
      for (const path of created) expect(missing.stderr).toContain(`missing: ${path}`);
      expect(missing.stderr).not.toContain(outputFiles.readme);
      await expect(readFile(join(root, outputFiles.valuesYaml))).rejects.toThrow(/ENOENT/);

      expect((await generateIn(root)).code).toBe(0);
      expect((await generateIn(root, '--check')).code).toBe(0);
      for (const path of Object.values(outputFiles)) {
        expect(await readFile(join(root, path), 'utf8')).toBe(
          await readFile(join(repoRoot, path), 'utf8'),
        );
      }

      await writeFile(join(root, outputFiles.valuesYaml), 'edited: by hand\n');
      const stale = await generateIn(root, '--check');
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain(`stale: ${outputFiles.valuesYaml}`);
      expect(stale.stderr).not.toContain(outputFiles.valuesSchema);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('fails with the problem and exit code 2 on a broken schema', async () => {
    const root = await scratchCopy();
    try {
      const crdPath = join(root, sourceFiles.crd);
      const crd = await readFile(crdPath, 'utf8');
      await writeFile(
        crdPath,
        crd.replace(
          "rule: '!(self.setPreload && self.mountOnload)'",
          "rule: 'self.maxPodsPerNode > 1'",
        ),
      );
      const result = await generateIn(root);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'cannot translate x-kubernetes-validations rule "self.maxPodsPerNode > 1"',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
