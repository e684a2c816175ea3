import { describe, expect, it } from '@jest/globals';
import { staleFiles } from './write.ts';
import type { GeneratedFile } from './render.ts';

const files: GeneratedFile[] = [
  { name: 'valuesYaml', path: 'a.yaml', content: 'a: 1\n' },
  { name: 'valuesSchema', path: 'b.json', content: '{}\n' },
  { name: 'types', path: 'c.ts', content: 'export {};\n' },
];

describe('staleFiles', () => {
  it('reports missing and changed files, in output order', () => {
    const onDisk = new Map([
      ['a.yaml', 'a: 1\n'],
      ['b.json', '{ }\n'],
    ]);
    expect(staleFiles(files, onDisk)).toEqual([
      { path: 'b.json', reason: 'stale' },
      { path: 'c.ts', reason: 'missing' },
    ]);
  });

  it('reports nothing when everything matches byte for byte', () => {
    const onDisk = new Map(files.map((f) => [f.path, f.content]));
    expect(staleFiles(files, onDisk)).toEqual([]);
  });
});
