// The agents' command line: parsed in main.ts, produced for the supervisor in start.ts. Pure.
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
/** Where `npm run build` puts the hook bundles the image has under /app. */
export const hookBundlesDir = join(repoRoot, 'dist', 'hooks');
/** Tiny scripts the agents' own tests run as pods. */
export const fixturesDir = join(import.meta.dirname, 'fixtures');

export interface AgentOptions {
  /** How long a KMM Load / Unload worker pod runs before its modprobe finishes (ms). */
  readonly loadMs?: number;
  readonly unloadMs?: number;
  /** Pause between runs of a failing KMM worker pod (ms). */
  readonly workerRetryMs?: number;
  /** KMM version the stand-in behaves as (nodes may override it by annotation). */
  readonly kmmVersion?: string;
  /** Directories searched for the `/app/<file>` of our pods' commands, in order. */
  readonly appDirs?: readonly string[];
  /** `stand-in` (default): the KMM stand-in; `manager`: a real KMM manager runs, the agents only play the kubelet for its worker pods. */
  readonly kmm?: KmmMode;
}

export type KmmMode = 'stand-in' | 'manager';

export interface AgentConfig {
  readonly kubeconfig: string;
  readonly stateDir: string;
  readonly loadMs: number;
  readonly unloadMs: number;
  readonly workerRetryMs: number;
  readonly kmmVersion: string;
  readonly appDirs: readonly string[];
  readonly kmm: KmmMode;
}

export const defaults = { loadMs: 500, unloadMs: 500, workerRetryMs: 1500, kmmVersion: '2.5' };

export function readyFile(stateDir: string): string {
  return join(stateDir, 'agents.ready');
}

export function agentArgs(kubeconfig: string, stateDir: string, options: AgentOptions): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--state-dir=${stateDir}`,
    ...(options.loadMs !== undefined ? [`--load-ms=${options.loadMs}`] : []),
    ...(options.unloadMs !== undefined ? [`--unload-ms=${options.unloadMs}`] : []),
    ...(options.workerRetryMs !== undefined ? [`--worker-retry-ms=${options.workerRetryMs}`] : []),
    ...(options.kmmVersion !== undefined ? [`--kmm-version=${options.kmmVersion}`] : []),
    ...(options.appDirs ?? []).map((dir) => `--app-dir=${dir}`),
    ...(options.kmm !== undefined ? [`--kmm=${options.kmm}`] : []),
  ];
}

const usage =
  'usage: main.ts --kubeconfig <path> --state-dir <dir> [--load-ms N] [--unload-ms N] ' +
  '[--worker-retry-ms N] [--kmm-version X.Y] [--app-dir <dir>]... [--kmm stand-in|manager]';

function milliseconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${flag} must be a whole number of milliseconds, got "${value}"`);
  return n;
}

/** Throws a message naming the bad flag and the usage. */
export function parseAgentArgs(argv: readonly string[]): AgentConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      kubeconfig: { type: 'string' },
      'state-dir': { type: 'string' },
      'load-ms': { type: 'string' },
      'unload-ms': { type: 'string' },
      'worker-retry-ms': { type: 'string' },
      'kmm-version': { type: 'string' },
      'app-dir': { type: 'string', multiple: true },
      kmm: { type: 'string' },
    },
  });
  if (!values.kubeconfig || !values['state-dir'])
    throw new Error(`--kubeconfig and --state-dir are required\n${usage}`);
  const kmmVersion = values['kmm-version'] ?? defaults.kmmVersion;
  if (!/^\d+\.\d+(\.\d+)?$/.test(kmmVersion))
    throw new Error(`--kmm-version must look like 2.5, got "${kmmVersion}"`);
  const kmm = values.kmm ?? 'stand-in';
  if (kmm !== 'stand-in' && kmm !== 'manager')
    throw new Error(`--kmm must be stand-in or manager, got "${kmm}"`);
  return {
    kubeconfig: values.kubeconfig,
    stateDir: values['state-dir'],
    loadMs: milliseconds('load-ms', values['load-ms'], defaults.loadMs),
    unloadMs: milliseconds('unload-ms', values['unload-ms'], defaults.unloadMs),
    workerRetryMs: milliseconds(
      'worker-retry-ms',
      values['worker-retry-ms'],
      defaults.workerRetryMs,
    ),
    kmmVersion,
    appDirs: values['app-dir'] ?? [hookBundlesDir],
    kmm,
  };
}
