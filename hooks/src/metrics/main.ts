// Start-up of the two containers of the Onload metrics pod and of the sfptpd pod's exporter (no
// Kubernetes API: they read only the node). Each runs until SIGTERM; a configuration error exits 1 naming the variable.
import { ConfigError } from '../config/errors.ts';
import { metricsPaths } from '../contract.ts';
import { createLogger, parseLevel, stdoutSink, type Logger } from '../log/logger.ts';
import { readExporterConfig, readRunnerConfig, readSfptpdExporterConfig } from './env.ts';
import { exporterRoutes, sfptpdExporterRoutes } from './exporter-routes.ts';
import { startMetricsServer } from './http.ts';
import { OnloadExporter } from './onload-exporter.ts';
import { runRunner } from './runner.ts';
import { SfptpdExporter } from './sfptpd-exporter.ts';

function logger(entry: string): Logger {
  return createLogger({ level: parseLevel(process.env.LOG_LEVEL), sink: stdoutSink }).with({
    entry,
  });
}

function stopSignal(log: Logger): AbortSignal {
  const abort = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      log.info(`${signal} received: stopping`);
      abort.abort();
    });
  return abort.signal;
}

async function guarded(log: Logger, body: () => Promise<void>): Promise<never> {
  let code = 0;
  try {
    await body();
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : `unexpected error: ${String(error)}`;
    log.error(message, { error });
    code = 1;
  }
  process.exit(code);
}

/** orm-json-runner: runs orm_json every interval, writing each outcome for the exporter. */
export function runnerMain(): Promise<never> {
  const log = logger('orm-json-runner');
  return guarded(log, async () => {
    const config = readRunnerConfig(process.env);
    await runRunner(config, { log, signal: stopSignal(log) });
  });
}

/** onload-exporter: serves /metrics, /orm.json and /healthz from the runner's last run. */
export function exporterMain(): Promise<never> {
  const log = logger('onload-exporter');
  return guarded(log, async () => {
    const config = readExporterConfig(process.env);
    const exporter = new OnloadExporter({ ...config, log });
    const server = await startMetricsServer({
      port: config.port,
      log,
      routes: exporterRoutes(exporter),
    });
    log.info(
      `serving ${metricsPaths.metrics} and ${metricsPaths.ormJson} on port ${server.port} from ${config.dir}`,
    );
    await untilStopped(log);
    await server.close();
  });
}

function untilStopped(log: Logger): Promise<void> {
  const signal = stopSignal(log);
  return new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => {
      resolve();
    });
  });
}

/** sfptpd-exporter: serves sfptpd's state as /metrics, read from sfptpd on each scrape. */
export function sfptpdExporterMain(): Promise<never> {
  const log = logger('sfptpd-exporter');
  return guarded(log, async () => {
    const config = readSfptpdExporterConfig(process.env);
    const exporter = new SfptpdExporter({ ...config, timeoutMs: 5000, log });
    const server = await startMetricsServer({
      port: config.port,
      log,
      routes: sfptpdExporterRoutes(exporter),
    });
    log.info(
      `serving ${metricsPaths.metrics} on port ${server.port} from sfptpd (source ${config.mode}: socket ${config.socketPath}, JSON lines ${config.jsonStatsPath})`,
    );
    await untilStopped(log);
    await server.close();
  });
}
