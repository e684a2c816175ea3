// The chart's metrics scraped by a real Prometheus (ci/testbed/prometheus.ts), every exporter a
// real container on the bed's real node: the labeller exports per-node driver state; the chart's
// Onload metrics DaemonSet runs orm_json (a fixture program standing for it, in a host directory
// named by metrics.onload.ormJsonPath) and serves its metrics; the chart's sfptpd DaemonSet runs
// the fixture image's sfptpd (it serves sfptpd's OpenMetrics socket from a fixture file) with the
// exporter beside it. The two DaemonSets come from the chart rendered for the real node
// (real-node-agents.ts). Prometheus evaluates the alerting rules the chart renders, which promtool
// checks first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { render } from '../../charts/onload/tests/lib/render.ts';
import { progressTo } from '../lib/progress.ts';
import { run } from '../lib/process.ts';
import { waitFor } from '../lib/wait.ts';
import { freePort } from '../testbed/ports.ts';
import { startPrometheus, type Prometheus } from '../testbed/prometheus.ts';
import { realNodeName } from '../testbed/realnode/config.ts';
import { createNamespace, deleteNamespace, testbed } from '../testbed/session.ts';
import { binaryPath } from '../tools/build.ts';
import {
  agentPod,
  emptyDirOnHost,
  renderNodeAgents,
  runningPod,
  startNodeAgents,
  stopNodeAgents,
  type NodeAgents,
} from './real-node-agents.ts';
import { hooksImageOf, realNodeValues, troubleshootingImageOf } from './real-node.ts';
import { helmComplaints, uninstall, upgradeInstall } from './release.ts';
import { release, selectedNodes, waitNodesClean } from './scenario.ts';
import { merge, onloadValues, type Values } from './values.ts';

const ns = 'onload-metrics';
const r = release('onload', ns, 3);
const fixtures = join(import.meta.dirname, '..', '..', 'hooks', 'src', 'metrics', 'fixtures');
const hooksImage = hooksImageOf(testbed());
const chartValues: Values = merge(realNodeValues(hooksImage), {
  metrics: { labeller: { enabled: true } },
});
// The node agents' values: the fixture sfptpd and its exporter on the host network at `port`,
// orm_json every 5 s (the schema's minimum), alerts after 2 s.
const agentValues = (ormJsonPath: string, sfptpdPort: number): Values =>
  merge(realNodeValues(hooksImage), {
    sfptpd: {
      image: troubleshootingImageOf(testbed()).reference,
      imagePullPolicy: 'Never',
      config: '[general]\nsync_module ptp ptp1\n',
    },
    metrics: {
      onload: {
        enabled: true,
        ormJsonPath,
        intervalSeconds: 5,
        timeoutSeconds: 2,
      },
      sfptpd: { enabled: true, port: sfptpdPort },
    },
    monitoring: {
      prometheusRule: { enabled: true, ormJsonFailingFor: '2s', sfptpdNotLockedFor: '2s' },
    },
  });

/**
 * orm_json on the host: the fixture program in a directory of its own (the runner container sees
 * the host's / at /host), printing `<copy>.stdout` and reading `<copy>.args` at each run.
 */
async function fakeOrmJson(): Promise<{ dir: string; program: string; args: string }> {
  // Not under /tmp: pods may mount a scratch directory over the host's /tmp.
  const dir = await mkdtemp('/var/tmp/onload-orm-json-');
  const program = join(dir, 'orm_json.mjs');
  await copyFile(join(fixtures, 'fake-orm-json.mjs'), program);
  await chmod(program, 0o755);
  await copyFile(join(fixtures, 'orm-json-3-stacks.stdout'), `${program}.stdout`);
  return { dir, program, args: `${program}.args` };
}

async function labellerAddress(): Promise<string> {
  return waitFor(
    'the labeller pod running with an IP',
    async () => (await runningPod(ns, 'labeller'))?.status.podIP,
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

const dashboardFile = join(
  import.meta.dirname,
  '..',
  '..',
  'charts',
  'onload',
  'dashboards',
  'onload.json',
);

interface DashboardJson {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { definition?: string }[] };
}

/** The series selector of a Grafana `label_values(<selector>, <label>)` variable. */
function labelValuesSelector(definition: string | undefined): string[] {
  const match = /^label_values\((.+),\s*\w+\)$/.exec(definition ?? '');
  return match?.[1] ? [match[1]] : [];
}

const value = async (prometheus: Prometheus, promql: string): Promise<number | undefined> =>
  (await prometheus.query(promql))[0]?.value;

describe('metrics scraped by a real Prometheus', () => {
  let prometheus: Prometheus;
  let rulesFile: string;
  let ormJson: Awaited<ReturnType<typeof fakeOrmJson>>;
  let agents: NodeAgents;
  let exporterAddress: string;
  let sfptpdFixture: string;
  let selected: string[];

  beforeAll(async () => {
    const state = testbed();
    selected = await selectedNodes();
    const installed = await upgradeInstall(r, onloadValues('1.0.0', chartValues));
    expect(helmComplaints(installed.stderr)).toEqual([]);
    expect(installed.code).toBe(0);

    ormJson = await fakeOrmJson();
    const sfptpdPort = await freePort();
    const agentNamespace = await createNamespace('onload-node-agents');
    agents = await renderNodeAgents(
      agentNamespace,
      agentValues(`/host${ormJson.program}`, sfptpdPort),
    );
    await startNodeAgents(agents);

    // The release's rules, as it renders them with the agents enabled.
    const rule = (
      await render({
        variant: 'minimal',
        namespace: ns,
        overrides: agentValues(`/host${ormJson.program}`, sfptpdPort),
      })
    ).find((o) => o.kind === 'PrometheusRule') as { spec: { groups: unknown[] } } | undefined;
    if (!rule) throw new Error('the chart rendered no PrometheusRule');
    rulesFile = join(await mkdtemp(join(tmpdir(), 'onload-metrics-')), 'rules.yaml');
    await writeFile(rulesFile, stringify({ groups: rule.spec.groups }));

    const metricsPod = await agentPod(agents, 'onload-metrics');
    exporterAddress = `${metricsPod.status.podIP}:9101`;
    const sfptpdPod = await agentPod(agents, 'sfptpd');
    sfptpdFixture = join(emptyDirOnHost(sfptpdPod.metadata.uid, 'run'), 'fixture.txt');
    // Series carry the namespace a ServiceMonitor gives them: the release's, where the agents of a
    // real release run too.
    const agentLabels = { namespace: ns };
    prometheus = await startPrometheus(
      state,
      'prometheus',
      [
        { job: 'labeller', address: `${await labellerAddress()}:9102`, labels: { namespace: ns } },
        { job: 'onload-metrics', address: exporterAddress, labels: agentLabels },
        {
          job: 'onload-sfptpd',
          address: `${sfptpdPod.status.podIP}:${sfptpdPort}`,
          labels: agentLabels,
        },
      ],
      [rulesFile],
      progressTo('prometheus'),
    );
  });

  afterAll(async () => {
    await stopNodeAgents(agents);
    await deleteNamespace(agents.namespace);
    await rm(ormJson.dir, { recursive: true, force: true });
    const result = await uninstall(r);
    expect(result.code).toBe(0);
    await waitNodesClean(ns);
  });

  it("promtool accepts the chart's alerting rules", async () => {
    const checked = await run(binaryPath('prometheus', 'promtool'), ['check', 'rules', rulesFile], {
      allowFailure: true,
    });
    expect([checked.code, checked.stderr]).toEqual([0, '']);
    expect(checked.stdout).toContain('SUCCESS');
    expect(checked.stdout).toMatch(/SUCCESS: [1-9]\d* rules found/);
  });

  it('scrapes the labeller: every selected node has onload loaded at the desired version', async () => {
    const sel = `namespace="${ns}"`;
    await waitFor(
      'the labeller to be scraped with every selected node',
      async () =>
        (await value(prometheus, `onload_rollout_selected_nodes{${sel}}`)) === selected.length,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const loaded = await prometheus.query(`onload_node_module_loaded{${sel},module="onload"}`);
    expect(loaded.map((s) => [s.metric.node, s.value]).sort()).toEqual(
      selected.map((n) => [n, 1]).sort(),
    );
    expect(await value(prometheus, `onload_rollout_progress_ratio{${sel}}`)).toBe(1);
  });

  it('scrapes the Onload exporter: one series set per stack that orm_json reports', async () => {
    const sel = `namespace="${ns}",node="${realNodeName}"`;
    await waitFor(
      'the exporter to be scraped after a good orm_json run',
      async () => (await value(prometheus, `onload_stacks{${sel}}`)) === 3,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await value(prometheus, `onload_orm_json_up{${sel}}`)).toBe(1);
    const stacks = await prometheus.query(`count by (stack_name) (onload_stack_sockets{${sel}})`);
    expect(stacks.map((s) => s.metric.stack_name).sort()).toEqual(
      expect.arrayContaining(['trader-a', 'trader-b']),
    );
    // The raw output of the newest orm_json run, as the fixture printed it.
    const raw = await fetch(`http://${exporterAddress}/orm.json`);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(await raw.json()).toEqual(
      JSON.parse(await readFile(`${ormJson.program}.stdout`, 'utf8')) as unknown,
    );
  });

  it('answers every query of the Grafana dashboard with data', async () => {
    const dashboard = JSON.parse(await readFile(dashboardFile, 'utf8')) as DashboardJson;
    // Grafana's variables as a user picks them: this release's namespace, every node.
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.flatMap((v) => labelValuesSelector(v.definition)),
    ]
      .map((q) => q.replaceAll('$namespace', ns).replaceAll('$node', '.+'))
      // A table of the nodes in a state: no node has one right after an install, so the series
      // it filters are what must be there.
      .map((q) => q.replace(/\s*== 1$/, ''));
    expect(queries.length).toBeGreaterThan(10);
    let empty: string[] = [];
    await waitFor(
      'every dashboard query to return a series (rates need two samples)',
      async () => {
        empty = [];
        for (const q of queries) if ((await prometheus.query(q)).length === 0) empty.push(q);
        return empty.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 2000, describe: () => `no data for: ${empty.join(' | ')}` },
    );
  });

  it('fires OnloadMetricsDown once orm_json keeps failing on a node', async () => {
    await writeFile(ormJson.args, '--exit=1 --stderr=onload:_no_such_device\n');
    const firing = await waitFor(
      'OnloadMetricsDown to fire',
      async () =>
        (await prometheus.alerts()).find(
          (a) => a.labels.alertname === 'OnloadMetricsDown' && a.state === 'firing',
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(firing.labels).toMatchObject({ namespace: ns, node: realNodeName });
    await writeFile(ormJson.args, '\n');
    await waitFor(
      'OnloadMetricsDown to resolve',
      async () =>
        !(await prometheus.alerts()).some((a) => a.labels.alertname === 'OnloadMetricsDown'),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it("scrapes the sfptpd exporter from sfptpd's OpenMetrics socket and fires SfptpdNotLocked once no instance is in sync", async () => {
    const sel = `namespace="${ns}",node="${realNodeName}"`;
    await waitFor(
      'sfptpd instance ptp1 in sync',
      async () => (await value(prometheus, `sfptpd_in_sync{${sel},sync="ptp1"}`)) === 1,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await value(prometheus, `sfptpd_exporter_source_up{${sel}}`)).toBe(1);
    expect(await value(prometheus, `sfptpd_offset_seconds{${sel},sync="ptp1"}`)).toBeCloseTo(
      -12.5e-9,
      12,
    );
    const lost = (await readFile(sfptpdFixture, 'utf8')).replace(
      /^in_sync\{(.*)\} 1$/gm,
      'in_sync{$1} 0',
    );
    await writeFile(sfptpdFixture, lost);
    const firing = await waitFor(
      'SfptpdNotLocked to fire',
      async () =>
        (await prometheus.alerts()).find(
          (a) => a.labels.alertname === 'SfptpdNotLocked' && a.state === 'firing',
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(firing.labels).toMatchObject({ namespace: ns, node: realNodeName });
  });
});
