// The chart against the test bed's real API server (KMM, MachineConfig and Onload CRDs installed):
// every rendered object of every variant passes a strict server-side dry run, and an installed
// release runs its device plugin and control plane only on nodes whose onload driver KMM reports
// loaded and that the rollout has not paused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  kmmReadyLabel,
  kmmVersionLabel,
  pausedLabel,
  stateLabel,
} from '../../../hooks/src/contract.ts';
import { chartDir } from '../../../ci/lib/helm.ts';
import { waitFor } from '../../../ci/lib/wait.ts';
import { solarflareLabel } from '../../../ci/testbed/nodes.ts';
import {
  createNamespace,
  deleteNamespace,
  helm,
  kubectl,
  kubectlJson,
  releaseUninstallGuards,
  waitCrdsEstablished,
} from '../../../ci/testbed/session.ts';
import { helmMajors, render, variantFile, variants } from './lib/render.ts';
import { sourceModuleDir } from '../../../ci/tools/build.ts';

interface NodeList {
  items: { metadata: { name: string; labels?: Record<string, string> } }[];
}
interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { conditions?: { type: string; status: string }[] };
  }[];
}

/**
 * Applies the chart's CRD as Helm 4 does (server-side, field manager "helm"): Helm 4 server-side
 * applies crds/ even when the CRD exists and fails on a conflict with any other field manager.
 */
async function installOnloadCrd(): Promise<void> {
  const crds = join(chartDir, 'crds');
  await kubectl([
    'apply',
    '--server-side',
    '--field-manager=helm',
    '--force-conflicts',
    '-f',
    crds,
  ]);
  await waitCrdsEstablished('-f', crds);
}

describe('server-side dry run of every rendered object', () => {
  let ns: string;
  beforeAll(async () => {
    await installOnloadCrd();
    ns = await createNamespace('chart-dry-run');
  });
  afterAll(async () => {
    await deleteNamespace(ns);
  });

  it.each(variants)('accepts every object of %s (strict field validation)', async (variant) => {
    const objects = await render({ variant, namespace: ns });
    const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
      input: objects.map((o) => stringify(o)).join('---\n'),
      allowFailure: true,
    });
    expect([result.code, result.stderr]).toEqual([0, '']);
    const accepted = result.stdout.split('\n').filter((line) => line.endsWith('(server dry run)'));
    expect(accepted).toHaveLength(objects.length);
  });

  it.each([
    ['serviceMonitor', 'ServiceMonitor'],
    ['podMonitor', 'PodMonitor'],
  ])(
    "accepts the monitoring objects with a %s (the Prometheus Operator's own CRDs)",
    async (monitor, kind) => {
      const dir = join(
        await sourceModuleDir('prometheusOperator'),
        'example/prometheus-operator-crd',
      );
      const crds = ['servicemonitors', 'podmonitors', 'prometheusrules'].map((plural) =>
        join(dir, `monitoring.coreos.com_${plural}.yaml`),
      );
      await kubectl([
        'apply',
        '--server-side',
        '--force-conflicts',
        ...crds.flatMap((f) => ['-f', f]),
      ]);
      await waitCrdsEstablished(...crds.flatMap((f) => ['-f', f]));
      const objects = (
        await render({
          variant: 'minimal',
          namespace: ns,
          overrides: {
            metrics: { onload: { enabled: true }, labeller: { enabled: true } },
            monitoring: {
              [monitor]: { enabled: true },
              prometheusRule: { enabled: true },
              grafanaDashboard: { enabled: true },
            },
          },
        })
      ).filter((o) => [kind, 'PrometheusRule'].includes(o.kind));
      expect(objects.map((o) => o.kind).sort()).toEqual([kind, kind, 'PrometheusRule'].sort());
      const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
        input: objects.map((o) => stringify(o)).join('---\n'),
        allowFailure: true,
      });
      expect([result.code, result.stderr]).toEqual([0, '']);
    },
  );

  it("accepts the NodeFeatureRule (Node Feature Discovery's own CRD)", async () => {
    const rules = (
      await render({
        variant: 'minimal',
        namespace: ns,
        overrides: { nodeFeatureRule: { enabled: true } },
      })
    ).filter((o) => o.kind === 'NodeFeatureRule');
    expect(rules).toHaveLength(1);
    const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
      input: rules.map((o) => stringify(o)).join('---\n'),
      allowFailure: true,
    });
    expect([result.code, result.stderr]).toEqual([0, '']);
  });

  it("accepts Module tolerations where KMM's Module CRD has them (KMM >= 2.3: this bed's API)", async () => {
    const tolerations = [{ key: 'trading', operator: 'Exists', effect: 'NoSchedule' }];
    const modules = (
      await render({ variant: 'minimal', namespace: ns, overrides: { tolerations } })
    ).filter((o) => o.kind === 'Module');
    expect(modules.length).toBeGreaterThan(0);
    const result = await kubectl(
      ['apply', '--dry-run=server', '--validate=strict', '-o', 'json', '-f', '-'],
      { input: modules.map((o) => stringify(o)).join('---\n'), allowFailure: true },
    );
    expect([result.code, result.stderr]).toEqual([0, '']);
    // KMM 2.2's CRD refuses the field under strict validation; `moduleTolerations.mode: auto`
    // renders it only where the CRD has it (tests/module-tolerations.test.ts, with 2.2's CRD).
    const applied = JSON.parse(result.stdout) as {
      items?: { spec: { tolerations?: unknown[] } }[];
      spec?: { tolerations?: unknown[] };
    };
    for (const module of applied.items ?? [applied])
      expect(module.spec?.tolerations).toEqual(expect.arrayContaining(tolerations));
  });
});

describe.each(helmMajors)('helm install with Helm %i', (helmMajor) => {
  const release = 'onload';
  const version = '8.1.2.26'; // onload.version of the minimal variant
  let ns: string;
  let nodes: string[];

  const label = async (node: string, ...labels: string[]): Promise<void> => {
    await kubectl(['label', 'node', node, '--overwrite', ...labels]);
  };
  const nodeLabels = async (node: string): Promise<Record<string, string>> =>
    (await kubectlJson<NodeList['items'][number]>(['get', 'node', node])).metadata.labels ?? {};
  const agentPods = async (component: string): Promise<PodList['items']> =>
    (
      await kubectlJson<PodList>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
      ])
    ).items.filter((p) => !p.metadata.deletionTimestamp);
  const isReady = (pod: PodList['items'][number]): boolean =>
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  /** Waits until the device plugin and control plane pods are on exactly these nodes, and Ready. */
  const expectAgentsOn = async (want: string[]): Promise<void> => {
    for (const component of ['device-plugin', 'control-plane']) {
      const describeNow = async (): Promise<string> =>
        (await agentPods(component))
          .map((p) => `${p.spec.nodeName ?? '?'}${isReady(p) ? '' : ' (not Ready)'}`)
          .join(', ') || 'none';
      const pods = await waitFor(
        `Ready ${component} pods on exactly ${want.join(', ') || 'no node'}`,
        async () => {
          const have = await agentPods(component);
          const on = have.map((p) => p.spec.nodeName ?? '').sort();
          return JSON.stringify(on) === JSON.stringify([...want].sort()) && have.every(isReady)
            ? have
            : undefined;
        },
        { timeoutMs: 60_000, describe: describeNow },
      );
      expect(pods.map((p) => p.spec.nodeName).sort()).toEqual([...want].sort());
    }
  };
  const driverLoaded = (node: string, loaded: boolean): Promise<boolean> =>
    waitFor(
      `KMM (stand-in) to ${loaded ? 'load' : 'unload'} onload on ${node}`,
      async () => kmmReadyLabel(ns, 'onload') in (await nodeLabels(node)) === loaded,
      { timeoutMs: 60_000 },
    );

  beforeAll(async () => {
    ns = await createNamespace(`chart-install-h${helmMajor}`);
    nodes = (await kubectlJson<NodeList>(['get', 'nodes'])).items
      .filter((n) => n.metadata.labels?.[solarflareLabel] === 'true')
      .map((n) => n.metadata.name);
    expect(nodes.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => {
    for (const node of nodes)
      await label(node, `${kmmVersionLabel(ns, 'onload')}-`, `${pausedLabel(ns)}-`);
    for (const node of nodes) await driverLoaded(node, false);
    await releaseUninstallGuards(ns);
    await helm(helmMajor, ['uninstall', release, '-n', ns, '--no-hooks', '--wait'], {
      allowFailure: true,
    });
    await deleteNamespace(ns);
  });

  it('runs the device plugin and control plane only where KMM loaded the driver and the node is not paused', async () => {
    const [a, b, c] = nodes;
    if (a === undefined || b === undefined || c === undefined)
      throw new Error('the test bed needs three Solarflare nodes');
    // What the hooks' freeze would do, for two nodes; c gets no version label, so no driver.
    await label(a, `${kmmVersionLabel(ns, 'onload')}=${version}`);
    await label(b, `${kmmVersionLabel(ns, 'onload')}=${version}`, `${pausedLabel(ns)}=true`);

    // The hook Jobs and the labeller would label every selected node: leave them out here.
    const install = await helm(helmMajor, [
      'install',
      release,
      chartDir,
      '-n',
      ns,
      '--values',
      variantFile('minimal'),
      '--set',
      'labeller.enabled=false',
      '--no-hooks',
    ]);
    expect(install.stdout).toContain(`kubectl get nodes -L ${stateLabel(ns)}`);
    await driverLoaded(a, true);
    await driverLoaded(b, true);
    await expectAgentsOn([a]);

    await label(b, `${pausedLabel(ns)}-`);
    await expectAgentsOn([a, b]);

    await label(a, `${pausedLabel(ns)}=true`);
    await expectAgentsOn([b]);

    await label(b, `${kmmVersionLabel(ns, 'onload')}-`);
    await driverLoaded(b, false);
    await expectAgentsOn([]);
    expect(kmmReadyLabel(ns, 'onload') in (await nodeLabels(c))).toBe(false);
  });
});
