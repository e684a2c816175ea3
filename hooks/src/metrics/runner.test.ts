// The orm_json runner with a stand-in program (fixtures/fake-orm-json.mjs): each way a run ends,
// what it writes for the exporter, what it logs; and starting a program with the host's loader.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import { createLogger, memorySink } from '../log/logger.ts';
import {
  defaultOrmJsonArgs,
  defaultStacksFile,
  readExporterConfig,
  readRunnerConfig,
} from './env.ts';
import { isElf, planExec, resolveUnder } from './host-exec.ts';
import { readRunFile } from './run-file.ts';
import { runOnce, runRunner, type RunnerConfig } from './runner.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const fake = join(fixtures, 'fake-orm-json.mjs');
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orm-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(args: string[], over: Partial<RunnerConfig> = {}): RunnerConfig {
  return {
    command: process.execPath,
    args: [fake, ...args],
    dir,
    intervalSeconds: 15,
    timeoutSeconds: 10,
    maxOutputBytes: 1 << 20,
    ...over,
  };
}

const direct = (c: RunnerConfig) => ({ file: c.command, args: c.args, how: '' });

describe('runOnce', () => {
  it('returns what the program printed when it exits 0', async () => {
    const c = config([`--fixture=${join(fixtures, 'orm-json-1-stack.stdout')}`]);
    const r = await runOnce(direct(c), c);
    expect(r.outcome).toBe('ok');
    expect(JSON.parse(r.output)).toMatchObject({ onload_version: '8.1.2.26' });
    expect(r.finishedAt).toBeGreaterThanOrEqual(r.startedAt);
  });

  it('reports a non-zero exit with the last line of standard error, and no output', async () => {
    const c = config([
      `--fixture=${join(fixtures, 'orm-json-1-stack.stdout')}`,
      '--exit=1',
      '--stderr=orm_map_stacks: Fail: oo_fd_open()=-2.  Onload drivers loaded?',
    ]);
    const r = await runOnce(direct(c), c);
    expect(r).toMatchObject({
      outcome: 'exit_code',
      output: '',
      error: 'exit code 1: orm_map_stacks: Fail: oo_fd_open()=-2.  Onload drivers loaded?',
    });
  });

  it('kills a program that outlives the timeout', async () => {
    const c = config(['--hang'], { timeoutSeconds: 1 });
    const r = await runOnce(direct(c), c);
    expect(r.outcome).toBe('timeout');
    expect(r.finishedAt - r.startedAt).toBeLessThan(5_000);
  });

  it('kills a program that prints more than the limit', async () => {
    const c = config(['--flood'], { maxOutputBytes: 100_000 });
    const r = await runOnce(direct(c), c);
    expect(r).toMatchObject({ outcome: 'too_large', output: '' });
  });

  it('reports a program that cannot start', async () => {
    const c = config([], { command: join(dir, 'no-such-orm_json') });
    const r = await runOnce(direct(c), c);
    expect(r.outcome).toBe('spawn');
    expect(r.error).toContain('ENOENT');
  });

  it('gives the program no LD_PRELOAD and none of its own environment', async () => {
    process.env.LD_PRELOAD = '/opt/onload/usr/lib64/libonload.so';
    try {
      const c: RunnerConfig = {
        ...config([]),
        command: process.execPath,
        args: ['-e', 'process.stdout.write(JSON.stringify(process.env))'],
      };
      const env = JSON.parse((await runOnce(direct(c), c)).output) as Record<string, string>;
      expect(env.LD_PRELOAD).toBeUndefined();
      expect(Object.keys(env).sort()).toEqual(['LANG', 'PATH']);
    } finally {
      delete process.env.LD_PRELOAD;
    }
  });
});

describe('the stand-in placed as orm_json (a test bed)', () => {
  it('runs as a program, prints <itself>.stdout and takes options from <itself>.args', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const ormJson = join(bin, 'orm_json');
    // the interpreter line names the hooks image's node; here, this test's node
    const script = (await readFile(fake, 'utf8')).replace(/^#!.*/, `#!${process.execPath}`);
    await writeFile(ormJson, script);
    await chmod(ormJson, 0o755);
    await writeFile(`${ormJson}.stdout`, await readFile(join(fixtures, 'orm-json-1-stack.stdout')));
    const c = config([], { command: ormJson, args: [...defaultOrmJsonArgs] });
    const plan = await planExec(ormJson, c.args, '/');
    expect(plan.file).toBe(ormJson);
    const ok = await runOnce(plan, c);
    expect(ok.outcome).toBe('ok');
    expect(JSON.parse(ok.output)).toMatchObject({ stacks: [{ id: 4 }] });
    await writeFile(`${ormJson}.args`, '--exit=1 --stderr=oo_fd_open\n');
    expect(await runOnce(plan, c)).toMatchObject({
      outcome: 'exit_code',
      error: 'exit code 1: oo_fd_open',
    });
  });

  it("names the hooks image's node as its interpreter", async () => {
    const interpreter = (await readFile(fake, 'utf8')).split('\n')[0]?.slice(2) ?? '';
    const containerfile = await readFile(
      join(import.meta.dirname, '..', '..', '..', 'images', 'hooks', 'Containerfile'),
      'utf8',
    );
    expect(containerfile).toMatch(new RegExp(`^COPY --from=build \\S+ ${interpreter}$`, 'm'));
  });
});

describe('runRunner', () => {
  it('writes each run for the exporter with cumulative counts, logging failures once', async () => {
    const sink = memorySink();
    const c = config(['--exit=2', '--stderr=boom'], {
      stacksFile: join(fixtures, 'proc-stacks.txt'),
    });
    await runRunner(c, {
      log: createLogger({ level: 'info', sink }),
      signal: new AbortController().signal,
      maxRuns: 3,
      sleep: () => Promise.resolve(),
    });
    const read = await readRunFile(dir);
    if (read.kind !== 'run') throw new Error(read.kind);
    expect(read.run.header).toMatchObject({
      seq: 3,
      runs: 3,
      outcome: 'exit_code',
      failures: { exit_code: 3, timeout: 0, spawn: 0, too_large: 0 },
      intervalSeconds: 15,
      timeoutSeconds: 10,
      stderr: 'boom\n',
      stacksProc: { text: expect.stringContaining('2: 4242 1000') },
    });
    expect(
      sink.lines.filter((l) => l.includes('orm_json failed (exit_code): exit code 2: boom')),
    ).toHaveLength(1);
  });

  it('stops at once when asked', async () => {
    const abort = new AbortController();
    abort.abort();
    await runRunner(config([]), {
      log: createLogger({ level: 'error', sink: memorySink() }),
      signal: abort.signal,
    });
  });

  it('records an unreadable stacks file as the reason for empty pids', async () => {
    const c = config([`--fixture=${join(fixtures, 'orm-json-0-stacks.stdout')}`], {
      stacksFile: join(dir, 'none'),
    });
    await runRunner(c, {
      log: createLogger({ level: 'error', sink: memorySink() }),
      signal: new AbortController().signal,
      maxRuns: 1,
      sleep: () => Promise.resolve(),
    });
    const read = await readRunFile(dir);
    if (read.kind !== 'run') throw new Error(read.kind);
    expect(read.run.header.stacksProc).toEqual({ error: expect.stringContaining('ENOENT') });
  });
});

describe('host loader', () => {
  it('resolves paths inside the host root, absolute links included, never above it', async () => {
    const root = join(dir, 'host');
    await mkdir(join(root, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
    await writeFile(join(root, 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), '');
    await symlink('usr/lib', join(root, 'lib'));
    await mkdir(join(root, 'lib64-real'));
    await symlink(
      '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      join(root, 'lib64-real/ld-linux-x86-64.so.2'),
    );
    await symlink('lib64-real', join(root, 'lib64'));
    await symlink('../../../../etc', join(root, 'escape'));
    await symlink('loop', join(root, 'loop'));
    expect(await resolveUnder(root, '/lib64/ld-linux-x86-64.so.2')).toBe(
      join(root, 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
    );
    expect(await resolveUnder(root, '/escape')).toBeUndefined();
    expect(await resolveUnder(root, '/loop')).toBeUndefined();
    expect(await resolveUnder(root, '/missing')).toBeUndefined();
  });

  it('tells ELF programs from scripts', async () => {
    expect(await isElf(process.execPath)).toBe(true);
    expect(await isElf(fake)).toBe(false);
    expect(await isElf(join(dir, 'missing'))).toBe(false);
  });

  it('starts a script, or any program without a host root, as it is', async () => {
    expect(await planExec(fake, ['a'], '/')).toMatchObject({ file: fake, args: ['a'] });
    expect(await planExec(process.execPath, ['a'], undefined)).toMatchObject({
      file: process.execPath,
      args: ['a'],
    });
  });

  it('falls back to the program itself when the host root has no loader', async () => {
    const plan = await planExec(process.execPath, ['a'], join(dir, 'empty-host'));
    expect(plan).toMatchObject({ file: process.execPath, args: ['a'] });
    expect(plan.how).toContain('no host loader');
  });

  const hostLoader = process.arch === 'x64' && existsSync('/lib64/ld-linux-x86-64.so.2');
  (hostLoader ? it : it.skip)(
    'runs an ELF program through the host loader and libraries (this machine as the host)',
    async () => {
      const plan = await planExec('/bin/echo', ['hello', 'onload'], '/');
      expect(plan.args.slice(0, 2)).toEqual(['--inhibit-cache', '--library-path']);
      expect(plan.args.slice(3)).toEqual(['/bin/echo', 'hello', 'onload']);
      const r = await runOnce(plan, config([]));
      expect(r).toMatchObject({ outcome: 'ok', output: 'hello onload\n' });
    },
  );
});

describe('metrics environment', () => {
  it('reads the runner defaults and the chart settings', () => {
    expect(
      readRunnerConfig({
        ONLOAD_ORM_JSON: '/host/opt/onload/usr/bin/orm_json',
        ONLOAD_METRICS_DIR: '/run/onload-metrics',
      }),
    ).toEqual({
      command: '/host/opt/onload/usr/bin/orm_json',
      args: [...defaultOrmJsonArgs],
      stacksFile: defaultStacksFile,
      dir: '/run/onload-metrics',
      intervalSeconds: 15,
      timeoutSeconds: 10,
      maxOutputBytes: 16 << 20,
    });
    expect(
      readRunnerConfig({
        ONLOAD_ORM_JSON: 'x',
        ONLOAD_METRICS_DIR: 'd',
        ONLOAD_ORM_JSON_ARGS: ' --flat  stats ',
        ONLOAD_STACKS_FILE: '',
        ONLOAD_HOST_ROOT: '/host',
        ONLOAD_METRICS_INTERVAL_SECONDS: '30',
        ONLOAD_ORM_JSON_TIMEOUT_SECONDS: '30',
      }),
    ).toMatchObject({
      args: ['--flat', 'stats'],
      hostRoot: '/host',
      intervalSeconds: 30,
      timeoutSeconds: 30,
    });
    expect(
      readRunnerConfig({ ONLOAD_ORM_JSON: 'x', ONLOAD_METRICS_DIR: 'd', ONLOAD_STACKS_FILE: '' }),
    ).not.toHaveProperty('stacksFile');
  });

  it.each([
    [{ ONLOAD_METRICS_DIR: 'd' }, 'ONLOAD_ORM_JSON is not set'],
    [
      { ONLOAD_ORM_JSON: 'x', ONLOAD_METRICS_DIR: 'd', ONLOAD_METRICS_INTERVAL_SECONDS: '0' },
      'ONLOAD_METRICS_INTERVAL_SECONDS="0"',
    ],
    [
      { ONLOAD_ORM_JSON: 'x', ONLOAD_METRICS_DIR: 'd', ONLOAD_ORM_JSON_TIMEOUT_SECONDS: '20' },
      'longer than',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => readRunnerConfig(env)).toThrow(ConfigError);
    expect(() => readRunnerConfig(env)).toThrow(message);
  });

  it('reads the exporter settings', () => {
    expect(
      readExporterConfig({
        ONLOAD_METRICS_DIR: 'd',
        ONLOAD_METRICS_PORT: '9101',
        ONLOAD_METRICS_MAX_STACKS: '0',
        NODE_NAME: 'w1',
      }),
    ).toEqual({ port: 9101, dir: 'd', maxStacks: 0, nodeName: 'w1' });
    expect(() =>
      readExporterConfig({ ONLOAD_METRICS_DIR: 'd', ONLOAD_METRICS_PORT: '70000' }),
    ).toThrow('ONLOAD_METRICS_PORT');
  });
});
