import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paxRecord, splitName, TarGzWriter } from './tar.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-tar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mtime = Date.UTC(2025, 0, 2, 3, 4, 5) / 1000;
const prefixed = `${'p'.repeat(120)}/${'n'.repeat(90)}.log`;
const unsplittable = `root/${'x'.repeat(180)}.log`;

describe('the ustar writer', () => {
  it('splits long names into prefix and name, and gives up when no split fits', () => {
    expect(splitName('short/name')).toEqual(['', 'short/name']);
    expect(splitName(prefixed)).toEqual(['p'.repeat(120), `${'n'.repeat(90)}.log`]);
    expect(splitName(unsplittable)).toBeUndefined();
  });

  it('makes pax records whose length counts its own digits', () => {
    // 98 bytes without the length: two digits would make 100, which needs three.
    const record = paxRecord('path', 'a'.repeat(91));
    expect(record.length).toBe(101);
    expect(record.toString()).toBe(`101 path=${'a'.repeat(91)}\n`);
    expect(paxRecord('path', 'ab').toString()).toBe('11 path=ab\n');
  });

  it('writes an archive the system tar lists and extracts byte for byte', async () => {
    const file = join(dir, 'out.tar.gz');
    const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256));
    const files = [
      { path: 'b/README.txt', content: Buffer.from('hello\n') },
      { path: 'b/empty.log', content: Buffer.alloc(0) },
      { path: 'b/exact.bin', content: Buffer.alloc(512, 7) },
      { path: 'b/binary.bin', content: binary },
      { path: `b/${prefixed}`, content: Buffer.from('prefixed\n') },
      { path: `b/${unsplittable}`, content: Buffer.from('pax\n') },
    ];
    const tar = new TarGzWriter(file);
    for (const f of files) await tar.add({ ...f, mtime });
    await tar.close();

    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(files.map((f) => f.path));
    const verbose = execFileSync('tar', ['-tvzf', file, 'b/README.txt'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    expect(verbose).toMatch(/^-rw-r--r-- 0\/0 +6 2025-01-02 03:04 b\/README.txt/);

    execFileSync('tar', ['-xzf', file, '-C', dir]);
    for (const f of files) expect(await readFile(join(dir, f.path))).toEqual(f.content);
  });

  it('rejects when the file cannot be written', async () => {
    const tar = new TarGzWriter(join(dir, 'missing', 'out.tar.gz'));
    await expect(
      (async () => {
        await tar.add({ path: 'a', content: Buffer.alloc(1 << 20), mtime });
        await tar.close();
      })(),
    ).rejects.toThrow(/ENOENT/);
  });
});
