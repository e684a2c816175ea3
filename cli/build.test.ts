import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { access, constants, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../ci/lib/process.ts';
import { buildCli, chartVersion } from './build.ts';

describe('the built kubectl-onload', () => {
  let dir = '';
  let plugin = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubectl-onload-'));
    plugin = await buildCli(join(dir, 'kubectl-onload'), () => undefined);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // As kubectl runs it: the file itself, found through PATH (here, Node 24 first on PATH), from a
  // directory with no node_modules to fall back on.
  const plugin$ = (...args: string[]) =>
    run('kubectl-onload', args, {
      cwd: dir,
      env: {
        PATH: [dir, join(process.execPath, '..'), process.env.PATH ?? ''].join(':'),
        HOME: dir,
      },
      allowFailure: true,
    });

  it('is one executable file with a node shebang', async () => {
    expect((await readFile(plugin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(plugin)).mode & 0o777).toBe(0o755);
    await access(plugin, constants.X_OK);
  });

  it('prints its help and version', async () => {
    const help = await plugin$('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubectl onload <command> [flags]');
    expect(help.stdout).toContain('skip <node>');
    const version = await plugin$('version');
    expect(version.stdout.trim()).toBe(`kubectl-onload ${await chartVersion()}`);
  }, 30_000);

  it('exits 2 naming a bad flag and its fix', async () => {
    const result = await plugin$('status', '--output', 'xml');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'error: flag -o/--output: "xml" is not one of json, yaml, wide: -o/--output json|yaml|wide',
    );
    expect(result.stdout).toBe('');
  }, 30_000);

  it('exits 2 naming a --kubeconfig it cannot read', async () => {
    const result = await plugin$('status', '--kubeconfig', join(dir, 'none'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: flag --kubeconfig: cannot read ${join(dir, 'none')}`);
  }, 30_000);
});
