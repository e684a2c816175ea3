// Metrics and monitoring (metrics.*, monitoring.*): off by default; the Onload metrics DaemonSet
// (privileged orm_json runner, restricted exporter) and Services; the labeller's metrics port; the
// sfptpd pod's exporter; ServiceMonitors or PodMonitors that find those ports; the PrometheusRule
// and the Grafana dashboard, whose every metric name is one the Onload exporter, the labeller or
// the sfptpd exporter serves; NetworkPolicies; the validations.
import { describe, expect, it } from '@jest/globals';
import type { V1Container, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  components,
  entryPoints,
  imageAppDir,
  metricsEnv,
  nodeOptions,
  sfptpdMetricsEnv,
  sfptpdRunDir,
} from '../../../hooks/src/contract.ts';
import { defaultOrmJsonArgs } from '../../../hooks/src/metrics/env.ts';
import { labellerFamilies } from '../../../hooks/src/metrics/labeller-metrics.ts';
import { exporterFamilies, OnloadMetrics } from '../../../hooks/src/metrics/onload-registry.ts';
import { parseOrmJson } from '../../../hooks/src/metrics/orm-json.ts';
import { sfptpdFamilies } from '../../../hooks/src/metrics/sfptpd-registry.ts';
import { parseExposition } from '../../../hooks/src/testing/exposition.ts';
import { chartDir } from '../../../ci/lib/helm.ts';
import {
  configMap,
  container,
  daemonSet,
  deployment,
  envOf,
  find,
  findAll,
  podSpec,
  type Manifest,
} from './lib/manifests.ts';
import { helmMajors, render, renderError, variants } from './lib/render.ts';

type Service = Pick<V1Service, 'metadata' | 'spec'>;
type NetworkPolicy = Pick<V1NetworkPolicy, 'metadata' | 'spec'>;

const metricsDs = 'onload-onload-metrics';
const allOn = {
  metrics: { onload: { enabled: true }, labeller: { enabled: true } },
};
/** With sfptpd deployed (variant sfptpd-on): all three sources. */
const allOnSfptpd = {
  metrics: { ...allOn.metrics, sfptpd: { enabled: true } },
};
const sfptpdDs = 'onload-sfptpd';
const monitoringKinds = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'NetworkPolicy'];

interface Monitor extends Manifest {
  readonly spec: {
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly namespaceSelector: { readonly matchNames: readonly string[] };
    readonly endpoints?: readonly Record<string, string>[];
    readonly podMetricsEndpoints?: readonly Record<string, string>[];
  };
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}
interface PrometheusRule extends Manifest {
  readonly spec: {
    readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[];
  };
}

/** Every metric name the chart's software serves: the exporter (over the fixture with every section), the labeller. */
async function servedNames(): Promise<Set<string>> {
  const text = await readFile(
    join(chartDir, '..', '..', 'hooks', 'src', 'metrics', 'fixtures', 'orm-json-3-stacks.stdout'),
    'utf8',
  );
  const parsed = parseOrmJson(text);
  if (!parsed.ok) throw new Error(parsed.error);
  const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 1 });
  m.showStacks(parsed.snapshot, new Map(), true);
  const names = new Set(parseExposition(await m.registry.metrics()).types.keys());
  for (const name of [
    ...Object.values(exporterFamilies),
    ...Object.values(labellerFamilies),
    ...Object.values(sfptpdFamilies),
  ])
    names.add(name);
  return names;
}

/** The metric names a PromQL expression or Grafana query refers to. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:onload|sfptpd)_[a-z0-9_]+)/g)].map((m) => m[1] ?? '');
}

describe.each(helmMajors)('metrics, Helm %i', (helmMajor) => {
  it.each(variants)('renders nothing of it by default (%s)', async (variant) => {
    const objects = await render({ variant, helmMajor });
    for (const kind of monitoringKinds) expect(findAll(objects, kind)).toEqual([]);
    expect(
      objects.filter(
        (o) => o.metadata.labels?.['app.kubernetes.io/component'] === components.onloadMetrics,
      ),
    ).toEqual([]);
    expect(findAll(objects, 'Service')).toEqual([]);
    expect(objects.filter((o) => o.metadata.labels?.grafana_dashboard)).toEqual([]);
  });

  it('runs orm_json privileged and the exporter restricted, on the nodes and terms of the device plugin', async () => {
    const objects = await render({ variant: 'minimal', helmMajor, overrides: allOn });
    const ds = daemonSet(objects, metricsDs);
    expect(ds.spec?.updateStrategy?.type).toBe('RollingUpdate');
    expect(ds.spec?.template.metadata?.labels?.['app.kubernetes.io/component']).toBe(
      components.onloadMetrics,
    );
    const spec = podSpec(ds);
    const dp = podSpec(daemonSet(objects, 'onload-device-plugin'));
    expect(spec.affinity).toEqual(dp.affinity);
    expect(spec.nodeSelector).toEqual(dp.nodeSelector);
    expect(spec.hostPID).toBe(true);
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe(dp.serviceAccountName);
    const runner = container(spec, 'orm-json-runner');
    const exporter = container(spec, 'exporter');
    const hooksImage = container(podSpec(deployment(objects, 'onload-labeller')), 'labeller').image;
    expect(hooksImage).toMatch(/onload-hooks:0\.1\.0$/);
    for (const [c, entry] of [
      [runner, 'orm-json-runner'],
      [exporter, 'onload-exporter'],
    ] as const) {
      expect(entryPoints).toContain(entry);
      expect(c.command).toEqual(['node', `${imageAppDir}/${entry}.mjs`]);
      // the hooks image, as the labeller runs it
      expect(c.image).toBe(hooksImage);
    }
    expect(runner.securityContext).toEqual({
      privileged: true,
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
    });
    expect(runner.volumeMounts).toContainEqual({
      name: 'host-root',
      mountPath: '/host',
      readOnly: true,
    });
    expect(spec.volumes).toContainEqual({
      name: 'host-root',
      hostPath: { path: '/', type: 'Directory' },
    });
    expect(exporter.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(exporter.volumeMounts?.every((v) => v.readOnly === true)).toBe(true);
    expect(exporter.volumeMounts?.some((v) => v.name === 'host-root')).toBe(false);
  });

  it('gives both containers the contract environment, orm_json from the host userland', async () => {
    const objects = await render({ variant: 'minimal', helmMajor, overrides: allOn });
    const spec = podSpec(daemonSet(objects, metricsDs));
    const known = [...Object.values(metricsEnv), 'LOG_LEVEL', 'NODE_OPTIONS', 'MALLOC_ARENA_MAX'];
    const runner = envOf(container(spec, 'orm-json-runner'));
    const exporter = envOf(container(spec, 'exporter'));
    for (const env of [runner, exporter])
      for (const key of Object.keys(env)) expect(known).toContain(key);
    expect(runner).toMatchObject({
      [metricsEnv.ormJson]: '/host/opt/onload/usr/bin/orm_json',
      [metricsEnv.ormJsonArgs]: defaultOrmJsonArgs.join(' '),
      [metricsEnv.hostRoot]: '/host',
      [metricsEnv.intervalSeconds]: '15',
      [metricsEnv.timeoutSeconds]: '10',
      NODE_OPTIONS: nodeOptions(192),
    });
    expect(exporter).toMatchObject({
      [metricsEnv.port]: '9101',
      [metricsEnv.maxStacks]: '16',
      [metricsEnv.nodeName]: 'fieldRef:spec.nodeName',
      [metricsEnv.dir]: runner[metricsEnv.dir],
      NODE_OPTIONS: nodeOptions(256),
    });
    expect(container(spec, 'exporter').ports).toEqual([
      { name: 'metrics', containerPort: 9101, protocol: 'TCP' },
    ]);
  });

  it('takes orm_json, sections, limits and the host settings from metrics.onload', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: {
        devicePlugin: { hostOnloadPath: '/srv/onload/' },
        metrics: {
          onload: {
            enabled: true,
            port: 9200,
            maxStacks: 0,
            intervalSeconds: 30,
            timeoutSeconds: 30,
            sections: ['stats', 'tcp_stats'],
            hostLibraries: false,
            hostPID: false,
            nodeSelector: { 'example.com/metrics': 'yes' },
          },
        },
      },
    });
    const spec = podSpec(daemonSet(objects, metricsDs));
    const runner = envOf(container(spec, 'orm-json-runner'));
    expect(runner[metricsEnv.ormJson]).toBe('/host/srv/onload/usr/bin/orm_json');
    expect(runner[metricsEnv.ormJsonArgs]).toBe('--flat --dblbuf stats tcp_stats stack_state');
    expect(runner).not.toHaveProperty(metricsEnv.hostRoot);
    expect(runner[metricsEnv.intervalSeconds]).toBe('30');
    expect(envOf(container(spec, 'exporter'))[metricsEnv.maxStacks]).toBe('0');
    expect(spec.hostPID).toBe(false);
    expect(spec.nodeSelector).toEqual({
      'feature.node.kubernetes.io/pci-1924.present': 'true',
      'example.com/metrics': 'yes',
    });
    const service = find(objects, 'Service', metricsDs) as Service;
    expect(service.spec?.ports).toEqual([
      { name: 'metrics', port: 9200, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const stand = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { metrics: { onload: { enabled: true, ormJsonPath: '/host/tmp/fake-orm-json' } } },
    });
    expect(
      envOf(container(podSpec(daemonSet(stand, metricsDs)), 'orm-json-runner'))[metricsEnv.ormJson],
    ).toBe('/host/tmp/fake-orm-json');
  });

  it("serves the labeller's metrics on its port through a Service", async () => {
    const objects = await render({ variant: 'minimal', helmMajor, overrides: allOn });
    const c = container(podSpec(deployment(objects, 'onload-labeller')), 'labeller');
    expect(envOf(c)[metricsEnv.port]).toBe('9102');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9102, protocol: 'TCP' }]);
    const service = find(objects, 'Service', 'onload-labeller') as Service;
    expect(service.spec?.selector).toEqual({
      'app.kubernetes.io/name': 'onload',
      'app.kubernetes.io/instance': 'onload',
      'app.kubernetes.io/component': 'labeller',
    });
    expect(service.spec?.ports?.[0]?.targetPort).toBe('metrics');
    const off = await render({ variant: 'minimal', helmMajor });
    expect(
      envOf(container(podSpec(deployment(off, 'onload-labeller')), 'labeller')),
    ).not.toHaveProperty(metricsEnv.port);
  });

  it("adds the exporter to the sfptpd pod, sharing sfptpd's run directory, and a Service", async () => {
    const objects = await render({ variant: 'sfptpd-on', helmMajor, overrides: allOnSfptpd });
    const spec = podSpec(daemonSet(objects, sfptpdDs));
    expect(spec.hostNetwork).toBe(true);
    expect(spec.containers.map((c) => c.name)).toEqual(['sfptpd', 'exporter']);
    const exporter = container(spec, 'exporter');
    const hooksImage = container(podSpec(deployment(objects, 'onload-labeller')), 'labeller').image;
    expect(entryPoints).toContain('sfptpd-exporter');
    expect(exporter.command).toEqual(['node', `${imageAppDir}/sfptpd-exporter.mjs`]);
    expect(exporter.image).toBe(hooksImage);
    expect(exporter.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9103, protocol: 'TCP' }]);
    const env = envOf(exporter);
    const known = [
      ...Object.values(sfptpdMetricsEnv),
      metricsEnv.port,
      metricsEnv.nodeName,
      'LOG_LEVEL',
      'NODE_OPTIONS',
      'MALLOC_ARENA_MAX',
    ];
    for (const key of Object.keys(env)) expect(known).toContain(key);
    expect(env).toEqual({
      [metricsEnv.port]: '9103',
      [sfptpdMetricsEnv.source]: 'auto',
      [sfptpdMetricsEnv.socket]: `${sfptpdRunDir}/metrics.sock`,
      [sfptpdMetricsEnv.jsonStats]: `${sfptpdRunDir}/stats.jsonl`,
      [sfptpdMetricsEnv.staleSeconds]: '60',
      [metricsEnv.nodeName]: 'fieldRef:spec.nodeName',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: nodeOptions(128),
      MALLOC_ARENA_MAX: '2',
    });
    // the run directory: one emptyDir, written by sfptpd, read (and the stats file truncated) by the exporter
    const run = { name: 'run', mountPath: sfptpdRunDir };
    expect(container(spec, 'sfptpd').volumeMounts).toContainEqual(run);
    expect(exporter.volumeMounts).toEqual([run]);
    expect(spec.volumes).toContainEqual({ name: 'run', emptyDir: { sizeLimit: '64Mi' } });
    for (const probe of [exporter.readinessProbe, exporter.livenessProbe])
      expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    const service = find(objects, 'Service', sfptpdDs) as Service;
    expect(service.spec?.clusterIP).toBe('None');
    expect(service.spec?.selector?.['app.kubernetes.io/component']).toBe(components.sfptpd);
    expect(service.spec?.ports).toEqual([
      { name: 'metrics', port: 9103, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('takes the source, port, stale limit and resources from metrics.sfptpd; leaves sfptpd alone when off', async () => {
    const objects = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: {
        metrics: {
          sfptpd: {
            enabled: true,
            source: 'json',
            port: 9300,
            staleSeconds: 30,
            logLevel: 'debug',
            resources: { limits: { memory: '256Mi' } },
          },
        },
      },
    });
    const exporter = container(podSpec(daemonSet(objects, sfptpdDs)), 'exporter');
    expect(envOf(exporter)).toMatchObject({
      [sfptpdMetricsEnv.source]: 'json',
      [metricsEnv.port]: '9300',
      [sfptpdMetricsEnv.staleSeconds]: '30',
      LOG_LEVEL: 'debug',
      NODE_OPTIONS: nodeOptions(256),
    });
    expect(exporter.ports?.[0]?.containerPort).toBe(9300);
    const off = podSpec(daemonSet(await render({ variant: 'sfptpd-on', helmMajor }), sfptpdDs));
    expect(off.containers.map((c) => c.name)).toEqual(['sfptpd']);
    expect(off.volumes?.map((v) => v.name)).toEqual(['config']);
  });

  it.each([
    ['ServiceMonitor', 'serviceMonitor', 'endpoints'],
    ['PodMonitor', 'podMonitor', 'podMetricsEndpoints'],
  ] as const)(
    'creates a %s per metrics component that finds its metrics port',
    async (kind, key, field) => {
      const objects = await render({
        variant: 'sfptpd-on',
        helmMajor,
        overrides: {
          ...allOnSfptpd,
          monitoring: {
            [key]: { enabled: true, interval: '30s', labels: { release: 'kube-prometheus' } },
          },
        },
      });
      const monitors = findAll(objects, kind) as Monitor[];
      expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
        'onload-labeller',
        metricsDs,
        sfptpdDs,
      ]);
      for (const m of monitors) expect(m.apiVersion).toBe('monitoring.coreos.com/v1');
      for (const m of monitors) {
        expect(m.metadata.labels?.release).toBe('kube-prometheus');
        expect(m.spec.namespaceSelector.matchNames).toEqual(['onload-system']);
        const endpoints = m.spec[field] ?? [];
        expect(endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
        // the port name exists where the monitor looks for it
        const component = m.spec.selector.matchLabels['app.kubernetes.io/component'];
        if (kind === 'ServiceMonitor') {
          const service = objects.find(
            (o) =>
              o.kind === 'Service' &&
              o.metadata.labels?.['app.kubernetes.io/component'] === component,
          ) as Service | undefined;
          expect(
            Object.entries(m.spec.selector.matchLabels).every(
              ([k, v]) => service?.metadata?.labels?.[k] === v,
            ),
          ).toBe(true);
          expect(service?.spec?.ports?.map((p) => p.name)).toContain('metrics');
        } else {
          const workload = objects.find(
            (o) =>
              ['DaemonSet', 'Deployment'].includes(o.kind) &&
              o.metadata.labels?.['app.kubernetes.io/component'] === component,
          );
          const pod = podSpec(workload as Parameters<typeof podSpec>[0]);
          expect(
            pod.containers.flatMap((c: V1Container) => c.ports ?? []).map((p) => p.name),
          ).toContain('metrics');
        }
      }
    },
  );

  it('alerts only on what is exported, for the enabled sources, in the release namespace', async () => {
    const served = await servedNames();
    const objects = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: {
        ...allOnSfptpd,
        monitoring: { prometheusRule: { enabled: true, labels: { role: 'alert-rules' } } },
      },
    });
    const [rule] = findAll(objects, 'PrometheusRule') as PrometheusRule[];
    expect(rule?.metadata.labels?.role).toBe('alert-rules');
    const rules = rule?.spec.groups.flatMap((g) => g.rules) ?? [];
    expect(rules.map((r) => r.alert)).toEqual([
      'OnloadNodeUpgradeFailed',
      'OnloadDriverNotLoaded',
      'OnloadVersionSkew',
      'OnloadMetricsDown',
      'SfptpdNotLocked',
      'SfptpdMetricsDown',
    ]);
    for (const r of rules) {
      const names = metricNames(r.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names)
        expect([r.alert, name, served.has(name)]).toEqual([r.alert, name, true]);
      expect(r.expr).toContain('namespace="onload-system"');
      expect(r.annotations.summary).toContain('{{ $labels.node }}');
      expect(['critical', 'warning']).toContain(r.labels.severity);
    }
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    // longer than the longest rollout: hooks.timeoutSeconds (3600) + 10 minutes
    expect(byName.OnloadVersionSkew?.for).toBe('4200s');
    expect(byName.OnloadVersionSkew?.expr).toContain('unless on (namespace, node)');
    expect(byName.OnloadDriverNotLoaded?.for).toBe('15m');
    expect(byName.OnloadDriverNotLoaded?.expr).toContain('onload_node_upgrade_in_progress');
    expect(byName.SfptpdNotLocked?.expr).toContain(sfptpdFamilies.inSync);
    // an exporter that answers while no instance has reported is not in sync either
    expect(byName.SfptpdNotLocked?.expr).toContain(
      `${sfptpdFamilies.up}{namespace="onload-system"}) == 1 unless on (namespace, node)`,
    );
    expect(byName.SfptpdNotLocked?.for).toBe('5m');
    expect(byName.SfptpdMetricsDown?.expr).toContain(`${sfptpdFamilies.up}{`);
    expect(byName.SfptpdMetricsDown?.for).toBe('10m');
    // sfptpd without its exporter: no sfptpd alert (nothing would feed it)
    const without = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: { ...allOn, monitoring: { prometheusRule: { enabled: true } } },
    });
    expect(
      (findAll(without, 'PrometheusRule') as PrometheusRule[])[0]?.spec.groups.map((g) => g.name),
    ).toEqual(['onload-rollout', 'onload-metrics']);
  });

  it('takes the alert durations from the values and leaves out the groups of disabled sources', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: {
        metrics: { labeller: { enabled: true } },
        hooks: { timeoutSeconds: 7200 },
        monitoring: {
          prometheusRule: { enabled: true, driverNotLoadedFor: '30m', versionSkewFor: '3h' },
        },
      },
    });
    const [rule] = findAll(objects, 'PrometheusRule') as PrometheusRule[];
    expect(rule?.spec.groups.map((g) => g.name)).toEqual(['onload-rollout']);
    const rules = Object.fromEntries((rule?.spec.groups[0]?.rules ?? []).map((r) => [r.alert, r]));
    expect(rules.OnloadDriverNotLoaded?.for).toBe('30m');
    expect(rules.OnloadVersionSkew?.for).toBe('3h');
    const defaults = await render({
      variant: 'minimal',
      helmMajor,
      overrides: {
        metrics: { labeller: { enabled: true } },
        hooks: { timeoutSeconds: 7200 },
        monitoring: { prometheusRule: { enabled: true } },
      },
    });
    const skew = (
      findAll(defaults, 'PrometheusRule') as PrometheusRule[]
    )[0]?.spec.groups[0]?.rules.find((r) => r.alert === 'OnloadVersionSkew');
    expect(skew?.for).toBe('7800s');
  });

  it('ships a Grafana dashboard whose every query names an exported metric', async () => {
    const served = await servedNames();
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: {
        ...allOn,
        monitoring: {
          grafanaDashboard: { enabled: true, namespace: 'grafana', labels: { team: 'trading' } },
        },
      },
    });
    const cm = configMap(objects, 'onload-dashboard');
    expect(cm.metadata?.namespace).toBe('grafana');
    expect(cm.metadata?.labels).toMatchObject({ grafana_dashboard: '1', team: 'trading' });
    const dashboard = JSON.parse(cm.data?.['onload.json'] ?? '') as {
      panels: { type: string; targets?: { expr: string }[] }[];
      templating: { list: { query?: string | { query: string } }[] };
    };
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => (typeof v.query === 'object' ? v.query.query : '')),
    ];
    expect(dashboard.panels.filter((p) => p.type !== 'row').length).toBeGreaterThan(10);
    const names = queries.flatMap(metricNames);
    expect(new Set(names).size).toBeGreaterThan(15);
    for (const name of names) expect([name, served.has(name)]).toEqual([name, true]);
    // both sources are charted
    expect(names).toContain(labellerFamilies.progress);
    expect(names).toContain(exporterFamilies.up);
  });

  it('admits only the listed peers to the metrics ports', async () => {
    const from = [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ];
    const objects = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: { ...allOnSfptpd, monitoring: { networkPolicy: { enabled: true, from } } },
    });
    // not the sfptpd pod's: on the host network, a NetworkPolicy does not apply to it
    const policies = findAll(objects, 'NetworkPolicy') as NetworkPolicy[];
    expect(
      policies.map((p) => p.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component']).sort(),
    ).toEqual(['labeller', components.onloadMetrics]);
    for (const p of policies) {
      expect(p.spec?.policyTypes).toEqual(['Ingress']);
      expect(p.spec?.ingress).toEqual([{ ports: [{ port: 'metrics', protocol: 'TCP' }], from }]);
    }
  });
});

describe.each(helmMajors)('metrics validations, Helm %i', (helmMajor) => {
  const refuse = (overrides: Record<string, unknown>): Promise<string> =>
    renderError({ variant: 'minimal', helmMajor, overrides });

  it('refuses labeller metrics without the labeller', async () => {
    expect(
      await refuse({ labeller: { enabled: false }, metrics: { labeller: { enabled: true } } }),
    ).toContain('metrics.labeller.enabled needs the labeller');
  });

  it('refuses an orm_json timeout longer than its interval', async () => {
    expect(await refuse({ metrics: { onload: { enabled: true, timeoutSeconds: 20 } } })).toContain(
      'metrics.onload.timeoutSeconds (20) is longer than metrics.onload.intervalSeconds (15)',
    );
  });

  it('refuses ServiceMonitors and PodMonitors together', async () => {
    expect(
      await refuse({
        ...allOn,
        monitoring: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } },
      }),
    ).toContain('scrape every target twice');
  });

  it.each(['serviceMonitor', 'podMonitor', 'networkPolicy', 'grafanaDashboard'])(
    'refuses %s with no metrics enabled',
    async (key) => {
      expect(await refuse({ monitoring: { [key]: { enabled: true } } })).toContain(
        `monitoring.${key}.enabled needs metrics to watch`,
      );
    },
  );

  it('refuses sfptpd metrics without sfptpd', async () => {
    expect(await refuse({ metrics: { sfptpd: { enabled: true } } })).toContain(
      'metrics.sfptpd.enabled needs sfptpd',
    );
  });

  it('monitors sfptpd alone, but gives it no NetworkPolicy and no dashboard', async () => {
    const sfptpdOnly = { metrics: { sfptpd: { enabled: true } } };
    const objects = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: {
        ...sfptpdOnly,
        monitoring: { podMonitor: { enabled: true }, prometheusRule: { enabled: true } },
      },
    });
    expect(findAll(objects, 'PodMonitor').map((m) => m.metadata.name)).toEqual([sfptpdDs]);
    const [rule] = findAll(objects, 'PrometheusRule') as PrometheusRule[];
    expect(rule?.spec.groups.map((g) => g.name)).toEqual(['onload-sfptpd']);
    for (const key of ['networkPolicy', 'grafanaDashboard'])
      expect(
        await renderError({
          variant: 'sfptpd-on',
          helmMajor,
          overrides: { ...sfptpdOnly, monitoring: { [key]: { enabled: true } } },
        }),
      ).toContain(`monitoring.${key}.enabled needs metrics to watch`);
  });

  it('refuses alert rules for sfptpd without its exporter', async () => {
    expect(
      await renderError({
        variant: 'sfptpd-on',
        helmMajor,
        overrides: { monitoring: { prometheusRule: { enabled: true } } },
      }),
    ).toContain('metrics.sfptpd.enabled with sfptpd deployed');
  });

  it('refuses alert rules with no source', async () => {
    expect(await refuse({ monitoring: { prometheusRule: { enabled: true } } })).toContain(
      'has no alert to hold',
    );
  });
});
