// A real Prometheus (built from its Go module, ci/tools/prometheus) on the test bed's host: scrapes
// the targets a test names every second, evaluates the chart's rules every second, and answers
// PromQL over its HTTP API. Started through the supervisor, so stopCluster and the watchdog stop it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { binaryPath, ensureTool } from '../tools/build.ts';
import type { ClusterState } from './cluster.ts';
import { freePort } from './ports.ts';
import { isAlive, startProcess, tailOfLog } from './supervisor.ts';

export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
  /** Target labels, e.g. the `namespace` a ServiceMonitor would give its series. */
  readonly labels: Readonly<Record<string, string>>;
}

export function prometheusConfig(targets: readonly ScrapeTarget[], ruleFiles: readonly string[]) {
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      static_configs: [{ targets: [t.address], labels: t.labels }],
    })),
  };
}

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: string;
}

export class Prometheus {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  async query(promql: string): Promise<Sample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? 'failed'}`);
    return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async alerts(): Promise<Alert[]> {
    const response = await fetch(`${this.url}/api/v1/alerts`);
    const body = (await response.json()) as { data: { alerts: Alert[] } };
    return body.data.alerts;
  }

  async targetsUp(): Promise<Record<string, string>> {
    const response = await fetch(`${this.url}/api/v1/targets`);
    const body = (await response.json()) as {
      data: { activeTargets: { scrapePool: string; health: string }[] };
    };
    return Object.fromEntries(body.data.activeTargets.map((t) => [t.scrapePool, t.health]));
  }
}

export async function startPrometheus(
  state: ClusterState,
  name: string,
  targets: readonly ScrapeTarget[],
  ruleFiles: readonly string[],
  progress: Progress,
): Promise<Prometheus> {
  await ensureTool('prometheus', progress);
  const dir = join(state.stateDir, name);
  await mkdir(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, stringify(prometheusConfig(targets, ruleFiles)));
  const port = await freePort();
  const pid = startProcess(state.stateDir, name, binaryPath('prometheus', 'prometheus'), [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const prometheus = new Prometheus(`http://127.0.0.1:${port}`);
  await waitFor(
    'Prometheus to answer',
    async () => {
      if (!isAlive(pid)) throw new Error(`Prometheus exited:\n${tailOfLog(state.stateDir, name)}`);
      return (await fetch(`${prometheus.url}/-/ready`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return prometheus;
}
