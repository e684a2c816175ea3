// The metrics containers' environment (contract.ts metricsEnv), read strictly: a value the chart
// would never set is a ConfigError naming it, not a silent default.
import { metricsEnv, sfptpdMetricsEnv, sfptpdRunDir } from '../contract.ts';
import { ConfigError } from '../config/errors.ts';
import type { RunnerConfig } from './runner.ts';
import { sfptpdSourceModes, type SfptpdSourceMode } from './sfptpd-exporter.ts';

/** What the runner passes orm_json by default: the flat layout, nothing printed on failure. */
export const defaultOrmJsonArgs = [
  '--flat',
  '--dblbuf',
  'stats',
  'more_stats',
  'tcp_stats',
  'tcp_ext_stats',
  'stack_state',
] as const;

export const defaultStacksFile = '/proc/driver/onload/stacks';

type Env = NodeJS.ProcessEnv;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name}="${raw}" is not an integer from ${min} to ${max}`);
  return n;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`environment variable ${name} is not set (the chart sets it)`);
  return value;
}

/** The metrics port, or undefined when the variable is not set (labeller: metrics off). */
export function metricsPort(env: Env): number | undefined {
  if (!env[metricsEnv.port]?.trim()) return undefined;
  return integer(env, metricsEnv.port, 0, 1, 65535);
}

export interface ExporterConfig {
  readonly port: number;
  readonly dir: string;
  readonly maxStacks: number;
  readonly nodeName: string;
}

export function readExporterConfig(env: Env): ExporterConfig {
  return {
    port: metricsPort(env) ?? 9101,
    dir: required(env, metricsEnv.dir),
    maxStacks: integer(env, metricsEnv.maxStacks, 16, 0, 10_000),
    nodeName: env[metricsEnv.nodeName]?.trim() ?? '',
  };
}

export function readRunnerConfig(env: Env): RunnerConfig {
  const args = env[metricsEnv.ormJsonArgs];
  const stacksFile = env[metricsEnv.stacksFile];
  const hostRoot = env[metricsEnv.hostRoot]?.trim();
  const intervalSeconds = integer(env, metricsEnv.intervalSeconds, 15, 1, 3600);
  const timeoutSeconds = integer(env, metricsEnv.timeoutSeconds, 10, 1, 3600);
  if (timeoutSeconds > intervalSeconds)
    throw new ConfigError(
      `${metricsEnv.timeoutSeconds} (${timeoutSeconds}) is longer than ${metricsEnv.intervalSeconds} (${intervalSeconds})`,
    );
  return {
    command: required(env, metricsEnv.ormJson),
    args: args === undefined ? [...defaultOrmJsonArgs] : args.split(/\s+/).filter(Boolean),
    ...(hostRoot ? { hostRoot } : {}),
    ...(stacksFile === undefined
      ? { stacksFile: defaultStacksFile }
      : stacksFile.trim()
        ? { stacksFile: stacksFile.trim() }
        : {}),
    dir: required(env, metricsEnv.dir),
    intervalSeconds,
    timeoutSeconds,
    maxOutputBytes: integer(env, metricsEnv.maxOutputBytes, 16 << 20, 1024, 1 << 30),
  };
}

export interface SfptpdExporterConfig {
  readonly port: number;
  readonly nodeName: string;
  readonly mode: SfptpdSourceMode;
  readonly socketPath: string;
  readonly jsonStatsPath: string;
  readonly jsonMaxBytes: number;
  readonly staleSeconds: number;
}

export function readSfptpdExporterConfig(env: Env): SfptpdExporterConfig {
  const mode = env[sfptpdMetricsEnv.source]?.trim() || 'auto';
  if (!(sfptpdSourceModes as readonly string[]).includes(mode))
    throw new ConfigError(
      `${sfptpdMetricsEnv.source}="${mode}" is not one of ${sfptpdSourceModes.join(', ')}`,
    );
  return {
    port: metricsPort(env) ?? 9103,
    nodeName: env[metricsEnv.nodeName]?.trim() ?? '',
    mode: mode as SfptpdSourceMode,
    socketPath: env[sfptpdMetricsEnv.socket]?.trim() || `${sfptpdRunDir}/metrics.sock`,
    jsonStatsPath: env[sfptpdMetricsEnv.jsonStats]?.trim() || `${sfptpdRunDir}/stats.jsonl`,
    jsonMaxBytes: integer(env, sfptpdMetricsEnv.jsonStatsMaxBytes, 1 << 20, 4096, 1 << 30),
    staleSeconds: integer(env, sfptpdMetricsEnv.staleSeconds, 60, 1, 86_400),
  };
}
