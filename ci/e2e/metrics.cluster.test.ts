// The chart's metrics scraped by a real Prometheus (ci/testbed/prometheus.ts): the labeller, a real
// container on the bed's real node, exports per-node driver state; the Onload exporter and its
// orm_json runner (this checkout's bundles, run on the host as the metrics pod's two containers
// run them) read a fixture program standing for orm_json; the sfptpd exporter (the sfptpd pod's
// sidecar, also on the host) reads a fixture program standing for sfptpd's OpenMetrics socket.
// Prometheus evaluates the alerting rules the chart renders, which promtool checks first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { render } from '../../charts/onload/tests/lib/render.ts';
import { progressTo } from '../lib/progress.ts';
import { run } from '../lib/process.ts';
import { waitFor } from '../lib/wait.ts';
import { freePort } from '../testbed/ports.ts';
import { startPrometheus, type Prometheus } from '../testbed/prometheus.ts';
import { kubectlJson, testbed } from '../testbed/session.ts';
import { startProcess } from '../testbed/supervisor.ts';
import { binaryPath } from '../tools/build.ts';
import { hooksImageOf, realNodeValues } from './real-node.ts';
import { helmComplaints, uninstall, upgradeInstall } from './release.ts';
import { release, selectedNodes, waitNodesClean } from './scenario.ts';
import { merge, onloadValues, type Values } from './values.ts';

const ns = 'onload-metrics';
const r = release('onload', ns, 3);
const bundles = join(import.meta.dirname, '..', '..', 'dist', 'hooks');
const fixtures = join(import.meta.dirname, '..', '..', 'hooks', 'src', 'metrics', 'fixtures');
const exporterNode = 'worker-01';
const sfptpdNode = 'worker-02';
const chartValues: Values = merge(realNodeValues(hooksImageOf(testbed())), {
  metrics: { labeller: { enabled: true } },
});
// The rules as a release with the exporter rendered them (the exporter runs on the host here).
const ruleValues: Values = merge(chartValues, {
  sfptpd: {
    image: 'docker.io/onload/sfptpd:3.9.0.1007',
    config: '[general]\nsync_module ptp ptp1\n',
  },
  metrics: { onload: { enabled: true }, sfptpd: { enabled: true } },
  monitoring: {
    prometheusRule: { enabled: true, ormJsonFailingFor: '2s', sfptpdNotLockedFor: '2s' },
  },
});

interface PodList {
  items: { status: { phase?: string; podIP?: string } }[];
}

/** orm_json on the host: a script running the fixture program, which reads `<copy>.args` each run. */
async function fakeOrmJson(dir: string): Promise<{ program: string; args: string }> {
  const copy = join(dir, 'fake-orm-json.mjs');
  await copyFile(join(fixtures, 'fake-orm-json.mjs'), copy);
  await copyFile(join(fixtures, 'orm-json-3-stacks.stdout'), `${copy}.stdout`);
  const program = join(dir, 'orm_json');
  await writeFile(program, `#!/bin/sh\nexec '${process.execPath}' '${copy}' "$@"\n`);
  await chmod(program, 0o755);
  return { program, args: `${copy}.args` };
}

async function labellerAddress(): Promise<string> {
  return waitFor(
    'the labeller pod running with an IP',
    async () => {
      const pods = await kubectlJson<PodList>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        'app.kubernetes.io/component=labeller',
      ]);
      const pod = pods.items.find((p) => p.status.phase === 'Running' && p.status.podIP);
      return pod?.status.podIP;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

const value = async (prometheus: Prometheus, promql: string): Promise<number | undefined> =>
  (await prometheus.query(promql))[0]?.value;

describe('metrics scraped by a real Prometheus', () => {
  let prometheus: Prometheus;
  let rulesFile: string;
  let ormJsonArgs: string;
  let sfptpdFixture: string;
  let selected: string[];

  beforeAll(async () => {
    const state = testbed();
    const dir = await mkdtemp(join(tmpdir(), 'onload-metrics-'));
    selected = await selectedNodes();
    const installed = await upgradeInstall(r, onloadValues('1.0.0', chartValues));
    expect(helmComplaints(installed.stderr)).toEqual([]);
    expect(installed.code).toBe(0);

    const rule = (await render({ variant: 'minimal', namespace: ns, overrides: ruleValues })).find(
      (o) => o.kind === 'PrometheusRule',
    ) as { spec: { groups: unknown[] } } | undefined;
    if (!rule) throw new Error('the chart rendered no PrometheusRule');
    rulesFile = join(dir, 'rules.yaml');
    await writeFile(rulesFile, stringify({ groups: rule.spec.groups }));

    const orm = await fakeOrmJson(dir);
    ormJsonArgs = orm.args;
    // The pod's emptyDir shared by the two containers.
    const runDir = join(dir, 'run');
    await mkdir(runDir);
    const exporterPort = await freePort();
    const common = { ...process.env, ONLOAD_METRICS_DIR: runDir };
    startProcess(
      state.stateDir,
      'orm-json-runner',
      process.execPath,
      [join(bundles, 'orm-json-runner.mjs')],
      {
        ...common,
        ONLOAD_ORM_JSON: orm.program,
        ONLOAD_ORM_JSON_ARGS: '--flat stats',
        ONLOAD_STACKS_FILE: '',
        ONLOAD_METRICS_INTERVAL_SECONDS: '1',
        ONLOAD_ORM_JSON_TIMEOUT_SECONDS: '1',
      },
    );
    startProcess(
      state.stateDir,
      'onload-exporter',
      process.execPath,
      [join(bundles, 'onload-exporter.mjs')],
      {
        ...common,
        ONLOAD_METRICS_PORT: String(exporterPort),
        NODE_NAME: exporterNode,
      },
    );

    // The sfptpd pod's run directory (an emptyDir shared by sfptpd and the exporter).
    const sfptpdRun = join(dir, 'sfptpd');
    await mkdir(sfptpdRun);
    const socket = join(sfptpdRun, 'metrics.sock');
    sfptpdFixture = join(sfptpdRun, 'fixture.txt');
    await copyFile(join(fixtures, 'sfptpd-openmetrics-2-instances.txt'), sfptpdFixture);
    startProcess(state.stateDir, 'fake-sfptpd', process.execPath, [
      join(fixtures, 'fake-sfptpd.mjs'),
      `--socket=${socket}`,
      `--fixture=${sfptpdFixture}`,
    ]);
    const sfptpdPort = await freePort();
    startProcess(
      state.stateDir,
      'sfptpd-exporter',
      process.execPath,
      [join(bundles, 'sfptpd-exporter.mjs')],
      {
        ...process.env,
        ONLOAD_METRICS_PORT: String(sfptpdPort),
        NODE_NAME: sfptpdNode,
        SFPTPD_METRICS_SOCKET: socket,
        SFPTPD_JSON_STATS: join(sfptpdRun, 'stats.jsonl'),
      },
    );

    prometheus = await startPrometheus(
      state,
      'prometheus',
      [
        { job: 'labeller', address: `${await labellerAddress()}:9102`, labels: { namespace: ns } },
        { job: 'onload-metrics', address: `127.0.0.1:${exporterPort}`, labels: { namespace: ns } },
        { job: 'onload-sfptpd', address: `127.0.0.1:${sfptpdPort}`, labels: { namespace: ns } },
      ],
      [rulesFile],
      progressTo('prometheus'),
    );
  });

  afterAll(async () => {
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
    const sel = `namespace="${ns}",node="${exporterNode}"`;
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
  });

  it('fires OnloadMetricsDown once orm_json keeps failing on a node', async () => {
    await writeFile(ormJsonArgs, '--exit=1 --stderr=onload:_no_such_device\n');
    const firing = await waitFor(
      'OnloadMetricsDown to fire',
      async () =>
        (await prometheus.alerts()).find(
          (a) => a.labels.alertname === 'OnloadMetricsDown' && a.state === 'firing',
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(firing.labels).toMatchObject({ namespace: ns, node: exporterNode });
    await writeFile(ormJsonArgs, '\n');
    await waitFor(
      'OnloadMetricsDown to resolve',
      async () =>
        !(await prometheus.alerts()).some((a) => a.labels.alertname === 'OnloadMetricsDown'),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it("scrapes the sfptpd exporter from sfptpd's OpenMetrics socket and fires SfptpdNotLocked once no instance is in sync", async () => {
    const sel = `namespace="${ns}",node="${sfptpdNode}"`;
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
    expect(firing.labels).toMatchObject({ namespace: ns, node: sfptpdNode });
  });
});
