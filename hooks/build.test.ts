import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run } from '../ci/lib/process.ts';
import { buildHooks } from './build.ts';
import { entryPoints } from './src/contract.ts';

describe('hook bundles', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds one self-contained ESM file per entry point that starts on Node 24', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hook-bundles-'));
    const files = await buildHooks(dir, () => undefined);
    expect(files.map((f) => basename(f))).toEqual(entryPoints.map((e) => `${e}.mjs`));
    // ASCII only, so V8 holds each bundle's source as a one-byte string (half the memory).
    for (const file of files) expect(/[^ -~\t\n\r]/.exec(await readFile(file, 'utf8'))).toBeNull();
    // Outside the repository (no node_modules to fall back on), with no environment: the
    // bundle loads all its dependencies and reports the missing configuration.
    const result = await run(process.execPath, [join(dir, 'post.mjs')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      allowFailure: true,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('environment variable ONLOAD_RELEASE is not set');
    // The metrics containers' bundles load prom-client and report their missing configuration.
    for (const [entry, variable] of [
      ['onload-exporter', 'ONLOAD_METRICS_DIR'],
      ['orm-json-runner', 'ONLOAD_ORM_JSON'],
    ] as const) {
      const metrics = await run(process.execPath, [join(dir, `${entry}.mjs`)], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
        allowFailure: true,
      });
      expect([entry, metrics.code]).toEqual([entry, 1]);
      expect(metrics.stdout).toContain(`environment variable ${variable} is not set`);
    }
    // Five bundles of the whole client library and two small metrics ones: seconds on a busy
    // 2-core machine.
  }, 60_000);
});
