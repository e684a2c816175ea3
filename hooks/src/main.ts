// Shared start-up of every entry point: configuration, logger, Kubernetes adapter, signals,
// the phase itself, and the exit code Helm / Argo CD / the Deployment see.
import type { EntryPoint } from './contract.ts';
import { readConfig } from './config/env.ts';
import { ConfigError } from './config/errors.ts';
import { ClientNodeKube, loadKubeConfig } from './kube/adapter.ts';
import { createLogger, parseLevel, stdoutSink, type Logger } from './log/logger.ts';
import {
  exitCodes,
  RunControl,
  systemClock,
  type PhaseContext,
  type PhaseResult,
} from './runtime/run.ts';
import { hookEnv } from './contract.ts';

export type Phase = (ctx: PhaseContext) => Promise<PhaseResult>;

export async function main(entry: EntryPoint, phase: Phase): Promise<never> {
  const startedAt = systemClock.now();
  let log: Logger = createLogger({
    level: parseLevel(process.env[hookEnv.logLevel]),
    sink: stdoutSink,
  });
  let result: PhaseResult;
  try {
    const config = readConfig(process.env);
    log = log.with({ entry, release: config.release, namespace: config.namespace });
    const run = new RunControl(startedAt, config.deadlineSeconds);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        log.warn(
          `${signal} received: stopping at the next safe point (the next run resumes from the node state)`,
        );
        run.stop();
      });
    }
    const port = new ClientNodeKube(loadKubeConfig(), log);
    result = await phase({ port, config, log, clock: systemClock, run });
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : `unexpected error: ${describe(error)}`;
    log.error(message, { error });
    if (!(error instanceof ConfigError) && error instanceof Error && error.stack)
      log.debug(error.stack);
    result = { exitCode: exitCodes.failed, message };
  }
  if (result.exitCode !== exitCodes.ok) log.error(`${entry} failed: ${result.message}`);
  await new Promise<void>((resolve) =>
    process.stdout.write('', () => {
      resolve();
    }),
  );
  process.exit(result.exitCode);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
