import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { contentKey, imageInputFiles, isContextFile } from './inputs.ts';

const pins = { suite: 'bookworm', node: '24.21.0', npm: '11.19.1' };

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'image-inputs-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const base = {
  'package.json': '{}',
  'package-lock.json': '{}',
  'tsconfig.json': '{}',
  'hooks/src/main.ts': 'export {};',
  'hooks/src/main.test.ts': 'test',
  'images/hooks/Containerfile': 'FROM x',
  'images/hooks/Containerfile.dockerignore': '*',
  'charts/onload/values.yaml': 'a: 1',
};

describe('hooks image inputs', () => {
  it('are the build context the Containerfile copies, without tests, plus the recipe', async () => {
    expect(isContextFile('hooks/src/x.test.ts')).toBe(false);
    expect(isContextFile('charts/onload/values.yaml')).toBe(false);
    expect(await imageInputFiles(await tree(base))).toEqual([
      'hooks/src/main.ts',
      'images/hooks/Containerfile',
      'images/hooks/Containerfile.dockerignore',
      'package-lock.json',
      'package.json',
      'tsconfig.json',
    ]);
  });

  it('change the key when an input or a pin changes, and only then', async () => {
    const key = await contentKey(await tree(base), pins);
    expect(key).toMatch(/^[0-9a-f]{12}$/);
    expect(await contentKey(await tree(base), pins)).toBe(key);
    expect(
      await contentKey(await tree({ ...base, 'charts/onload/values.yaml': 'a: 2' }), pins),
    ).toBe(key);
    expect(await contentKey(await tree({ ...base, 'hooks/src/main.test.ts': 'x' }), pins)).toBe(
      key,
    );
    expect(await contentKey(await tree({ ...base, 'hooks/src/main.ts': 'x' }), pins)).not.toBe(key);
    expect(await contentKey(await tree(base), { ...pins, node: '24.22.0' })).not.toBe(key);
  });
});
