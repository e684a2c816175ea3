// The hook / labeller container environment the chart sets (contract.ts hookEnv).
import { hostname } from 'node:os';
import type { OnloadSpec } from '../../generated/onload-types.ts';
import { hookEnv } from '../contract.ts';
import { parseLevel, type Level } from '../log/logger.ts';
import { metricsPort } from '../metrics/env.ts';
import { hostIdentityPrefix } from '../runtime/lease.ts';
import { ConfigError } from './errors.ts';
import { parseModuleLoaders, type ModuleLoaders } from './module-loaders.ts';
import { releaseContext, type ReleaseContext } from './release.ts';
import { parseSpec } from './spec.ts';

export interface HookConfig extends ReleaseContext {
  readonly release: string;
  readonly namespace: string;
  /** The Onload CR's name, which is also the chart's fullname. */
  readonly crName: string;
  readonly spec: OnloadSpec;
  /** What the Modules' loaders become (the hook Jobs; undefined for the labeller). */
  readonly moduleLoaders?: ModuleLoaders;
  readonly chartVersion: string;
  /** The Job's activeDeadlineSeconds (undefined for the labeller). */
  readonly deadlineSeconds?: number;
  /** Who we are (lease holder, event instance). */
  readonly identity: string;
  readonly logLevel: Level;
  /** The labeller's /metrics port (metrics.labeller.enabled); undefined: no metrics server. */
  readonly metricsPort?: number;
}

export function readConfig(env: NodeJS.ProcessEnv): HookConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value)
      throw new ConfigError(
        `environment variable ${name} is not set (the chart sets it; check the Job/Deployment)`,
      );
    return value;
  };
  const deadlineRaw = env[hookEnv.deadlineSeconds]?.trim();
  let deadlineSeconds: number | undefined;
  if (deadlineRaw) {
    deadlineSeconds = Number(deadlineRaw);
    if (!Number.isInteger(deadlineSeconds) || deadlineSeconds <= 0)
      throw new ConfigError(
        `${hookEnv.deadlineSeconds}="${deadlineRaw}" is not a positive integer (hooks.timeoutSeconds)`,
      );
  }
  const release = required(hookEnv.release);
  const namespace = required(hookEnv.namespace);
  const spec = parseSpec(required(hookEnv.spec), hookEnv.spec);
  const loadersRaw = env[hookEnv.moduleLoaders]?.trim();
  const port = metricsPort(env);
  return {
    release,
    namespace,
    crName: required(hookEnv.crName),
    spec,
    ...(loadersRaw ? { moduleLoaders: parseModuleLoaders(loadersRaw, hookEnv.moduleLoaders) } : {}),
    ...releaseContext(spec, { namespace, release }),
    chartVersion: env[hookEnv.chartVersion]?.trim() ?? '',
    ...(deadlineSeconds !== undefined ? { deadlineSeconds } : {}),
    identity: env[hookEnv.podName]?.trim() || `${hostIdentityPrefix}${hostname()}:${process.pid}`,
    logLevel: parseLevel(env[hookEnv.logLevel]),
    ...(port !== undefined ? { metricsPort: port } : {}),
  };
}
