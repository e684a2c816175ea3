import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../lib/process.ts';
import { formatSeconds, heartbeat, type Progress } from '../lib/progress.ts';
import { withBuildLock } from './build-lock.ts';
import {
  sourceModules,
  tools,
  type BuiltTool,
  type SourceModuleName,
  type ToolName,
} from './catalog.ts';

const wrappersDir = import.meta.dirname;

/** Where built tools are cached: outside the repo, shared by runs, sessions and CI on this machine. */
export function toolsCacheDir(): string {
  if (process.env.ONLOAD_TOOLS_CACHE) return process.env.ONLOAD_TOOLS_CACHE;
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'onload-chart', 'tools');
}

function toolBinDir(name: ToolName): string {
  const tool: BuiltTool = tools[name];
  const key = `${tool.cacheName ?? tool.dir}-${tool.version}`;
  return join(toolsCacheDir(), tool.inRepo ? `${key}-${sourceHash(tool.dir)}` : key, 'bin');
}

/** Hash of an in-repo tool's module files, so that editing them builds the tool anew. */
function sourceHash(dir: string): string {
  const hash = createHash('sha256');
  const moduleDir = join(wrappersDir, dir);
  const files = readdirSync(moduleDir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(moduleDir, file)));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Path of one binary of a tool. `ONLOAD_TOOLS_BIN` may name a directory of already-installed
 * binaries (`kube-apiserver`, `etcd`, `helm`, `helm4`, `ct`, `kwok`, ...); they are used as-is.
 */
export function binaryPath(name: ToolName, binary: string): string {
  const preinstalled = process.env.ONLOAD_TOOLS_BIN;
  if (preinstalled) {
    const alias = name === 'helm4' ? 'helm4' : binary;
    const candidate = join(preinstalled, alias);
    if (existsSync(candidate)) return candidate;
  }
  return join(toolBinDir(name), binary);
}

function goEnv(goToolchain?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=mod',
    ...(goToolchain ? { GOTOOLCHAIN: goToolchain } : {}),
  };
}

function isBuilt(name: ToolName): boolean {
  return Object.values(tools[name].binaries).every((b) => existsSync(binaryPath(name, b)));
}

/**
 * Builds a tool unless its binaries are already cached, or waits for the build another process
 * (or another caller in this one) has under way; returns its bin directory.
 */
export async function ensureTool(name: ToolName, progress: Progress): Promise<string> {
  const binDir = toolBinDir(name);
  if (isBuilt(name)) return binDir;
  await mkdir(dirname(binDir), { recursive: true });
  await withBuildLock(
    `${binDir}.lock`,
    () => isBuilt(name),
    async () => {
      if (!isBuilt(name)) await buildTool(name, progress);
    },
    (pid) => {
      progress(`waiting for process ${String(pid)}, which is building ${name}`);
    },
  );
  if (!isBuilt(name))
    throw new Error(`${name}: the build this process waited for left no binaries`);
  return binDir;
}

async function buildTool(name: ToolName, progress: Progress): Promise<string> {
  const tool: BuiltTool = tools[name];
  const binDir = toolBinDir(name);
  const label = tool.cacheName ?? tool.dir;

  const packages = Object.keys(tool.binaries);
  const staging = `${binDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const toolchain = tool.goToolchain;
  progress(
    `building ${label} ${tool.version} (${Object.values(tool.binaries).join(', ')}) from the Go module proxy` +
      `${toolchain ? ` with ${toolchain}` : ''}; ` +
      `a cold build takes about ${tool.coldMinutes} min on 2 cores`,
  );
  const started = Date.now();
  let lastPackage = '';
  const stop = heartbeat(30_000, (elapsed) => {
    progress(
      `  ... ${label}: ${formatSeconds(elapsed)} elapsed${lastPackage ? `, compiling ${lastPackage}` : ''}`,
    );
  });
  try {
    const cwd = join(wrappersDir, tool.dir);
    await runStep(`download modules for ${label}`, 'go', ['mod', 'download'], cwd, toolchain);
    await runStep(
      `compile ${label}`,
      'go',
      [
        'build',
        '-v',
        '-trimpath',
        '-buildvcs=false',
        '-pgo=off',
        '-ldflags',
        ['-s', '-w', ...tool.ldflags].join(' '),
        '-o',
        `${staging}/`,
        ...packages,
      ],
      cwd,
      toolchain,
      (line) => {
        if (line && !line.includes(' ')) lastPackage = line;
      },
    );
    for (const [pkg, binary] of Object.entries(tool.binaries)) {
      const built = join(staging, goBinaryName(pkg));
      if (built !== join(staging, binary)) await rename(built, join(staging, binary));
    }
    await rm(binDir, { recursive: true, force: true });
    await rename(staging, binDir);
  } finally {
    stop();
    await rm(staging, { recursive: true, force: true });
  }
  progress(`built ${label} ${tool.version} in ${formatSeconds(Date.now() - started)} → ${binDir}`);
  return binDir;
}

/** The file name `go build -o dir/` gives a main package: its last path element, minus a /vN suffix. */
function goBinaryName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) ? (parts.at(-2) ?? last) : last;
}

async function runStep(
  step: string,
  file: string,
  args: string[],
  cwd: string,
  goToolchain: string | undefined,
  onLine?: (line: string) => void,
): Promise<void> {
  try {
    await run(file, args, { cwd, env: goEnv(goToolchain), ...(onLine ? { onLine } : {}) });
  } catch (error) {
    const detail = error instanceof Error ? error.message : JSON.stringify(error);
    throw new Error(`tool build step failed: ${step}\n${detail}`, { cause: error });
  }
}

export async function ensureTools(names: readonly ToolName[], progress: Progress): Promise<void> {
  // Sequential on purpose: two Go builds at once only thrash a 2-core machine.
  for (const name of names) await ensureTool(name, progress);
}

/** Directory of a pinned Go module's files (CRDs, KWOK stages, ct configs), downloaded if needed. */
export async function sourceModuleDir(name: SourceModuleName): Promise<string> {
  const mod = sourceModules[name];
  const toolchain: string | undefined = 'goToolchain' in mod ? mod.goToolchain : undefined;
  const { stdout } = await run('go', ['mod', 'download', '-json', `${mod.path}@${mod.version}`], {
    cwd: wrappersDir,
    env: goEnv(toolchain),
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new Error(`go mod download ${mod.path}@${mod.version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

export async function cacheSizeBytes(): Promise<number> {
  const { stdout } = await run('du', ['-sb', toolsCacheDir()], { allowFailure: true });
  return Number(stdout.split('\t')[0] ?? 0);
}
