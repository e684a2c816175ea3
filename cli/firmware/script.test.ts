// The firmware script run by sh against the fixture sfboot and sfupdate (the same the bed's
// fixture image carries), from the "image" (PATH), as the Job runs it with diagnostics.sfc.image.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../ci/lib/helm.ts';
import { missingToolExit, firmwareScript } from './script.ts';

const fixtures = join(repoRoot, 'ci/e2e/fixtures/troubleshooting/image');

function runScript(commands: string[][], path = `${fixtures}:/usr/bin:/bin`) {
  const r = spawnSync('/bin/sh', ['-c', firmwareScript(commands, 'image')], {
    env: { PATH: path },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('firmware script', () => {
  it('runs each command, echoing it and its exit code', () => {
    const r = runScript([
      ['sfboot', 'firmware-variant=ultra-low-latency'],
      ['sfupdate', '--write', '--yes'],
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('$ sfboot firmware-variant=ultra-low-latency\nfixture sfboot: stored');
    expect(r.out).toContain('fixture sfupdate: flashed');
    expect(r.out.match(/\(exit 0\)/g)).toHaveLength(2);
    expect(r.out).toContain('firmware: every command succeeded');
  });

  it('stops at the first command that fails, with its exit code', () => {
    const r = runScript([['sfupdate', '--write'], ['sfboot']]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('(exit 3)');
    expect(r.out).not.toContain('$ sfboot');
  });

  it('fails before running anything when a tool is missing, saying where to get it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-sfutils-'));
    writeFileSync(join(empty, 'placeholder'), '');
    const r = runScript([['sfboot'], ['sfupdate']], `${empty}:/usr/bin:/bin`);
    expect(r.code).toBe(missingToolExit);
    expect(r.out).toContain('sfboot not found (in the image): install the Solarflare utilities');
    expect(r.out).not.toContain('$ sfboot');
  });
});
