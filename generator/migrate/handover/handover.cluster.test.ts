// The handover from the Go Onload Operator, as a user runs it, on the test bed (real API server,
// garbage collector and DaemonSet controller; KMM stand-in): the operator's CR, Modules,
// DaemonSet and node labels as the operator leaves them, its CRD stand-in, pods using Onload.
// The plan changes nothing; --apply stops for `helm install`, then moves the nodes over one at a
// time (never more than one node without a loaded driver), and the chart's hooks accept the result.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kmmReadyLabel, kmmVersionLabel } from '../../../hooks/src/contract.ts';
import { chartDir, repoRoot } from '../../../ci/lib/helm.ts';
import { run } from '../../../ci/lib/process.ts';
import { waitFor } from '../../../ci/lib/wait.ts';
import { solarflareLabel } from '../../../ci/testbed/nodes.ts';
import {
  createNamespace,
  deleteNamespace,
  helm,
  kubectl,
  kubectlJson,
  releaseUninstallGuards,
  testbed,
  waitCrdsEstablished,
} from '../../../ci/testbed/session.ts';
import { operatorNames, type OperatorNames } from './names.ts';
import { operatorCr, operatorOwned, type OperatorSetup } from './operator-objects.ts';

/** A node's labels but those KMM itself writes (its internal and ready labels). */
function handoverLabels(node: Meta): Record<string, string> {
  return Object.fromEntries(
    Object.entries(node.metadata.labels ?? {}).filter(
      ([key]) => !key.startsWith('beta.kmm.node.kubernetes.io/') && !/\.ready$/.test(key),
    ),
  );
}

interface Meta {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    ownerReferences?: unknown[];
  };
}
interface List<T> {
  items: T[];
}

const cr = 'onload';
const version = '8.1.2.26';
const operatorCrd = join(import.meta.dirname, 'fixtures', 'operator-crd-v3.0.yaml');
const chartCrd = join(chartDir, 'crds', 'onload.amd.com_onloads.yaml');

function migrate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [join(repoRoot, 'generator/migrate/cli.ts'), 'handover', ...args], {
    env: { ...process.env, KUBECONFIG: testbed().kubeconfig },
    allowFailure: true,
  });
}

/** Puts a CRD in place of the Onload CRD, owned by the field manager Helm uses (as Helm 4 applies it). */
async function replaceCrd(file: string): Promise<void> {
  await kubectl(['delete', 'crd', 'onloads.onload.amd.com', '--ignore-not-found', '--wait=true']);
  await kubectl(['apply', '--server-side', '--field-manager=helm', '-f', file]);
  await waitCrdsEstablished('-f', file);
}

/** Watches the nodes; records the most nodes seen at once with neither owner's driver loaded. */
class DriverGapWatch {
  maxWithout = 0;
  private readonly loaded = new Map<string, boolean>();
  private abort: AbortController | undefined;
  private readonly ns: string;
  private readonly names: OperatorNames;
  private readonly nodes: readonly string[];
  constructor(ns: string, names: OperatorNames, nodes: readonly string[]) {
    this.ns = ns;
    this.names = names;
    this.nodes = nodes;
  }
  async start(): Promise<void> {
    const kc = new KubeConfig();
    kc.loadFromFile(testbed().kubeconfig);
    this.abort = await new Watch(kc).watch(
      '/api/v1/nodes',
      {},
      (_type, node: Meta) => {
        if (!this.nodes.includes(node.metadata.name)) return;
        const labels = node.metadata.labels ?? {};
        this.loaded.set(
          node.metadata.name,
          this.names.onloadReadyLabel in labels || kmmReadyLabel(this.ns, 'onload') in labels,
        );
        const without = this.nodes.filter((n) => this.loaded.get(n) === false).length;
        this.maxWithout = Math.max(this.maxWithout, without);
      },
      () => undefined,
    );
  }
  stop(): void {
    this.abort?.abort();
  }
}

describe('handover from the Go Onload Operator', () => {
  let ns: string;
  let names: OperatorNames;
  let nodes: string[];
  const nodeLabels = async (node: string): Promise<Record<string, string>> =>
    (await kubectlJson<Meta>(['get', 'node', node])).metadata.labels ?? {};

  beforeAll(async () => {
    ns = await createNamespace('handover');
    names = operatorNames(ns, cr);
    nodes = (await kubectlJson<List<Meta>>(['get', 'nodes'])).items
      .filter((n) => n.metadata.labels?.[solarflareLabel] === 'true')
      .map((n) => n.metadata.name)
      .slice(0, 3);
    expect(nodes).toHaveLength(3);
    await replaceCrd(operatorCrd);
    const setup: OperatorSetup = {
      namespace: ns,
      cr,
      version,
      selector: { [solarflareLabel]: 'true' },
      kernelModuleImage: `registry.example.com/onload/onload-module:${version}-\${KERNEL_FULL_VERSION}`,
      userImage: `docker.io/onload/onload-user:${version}-ubi8`,
    };
    await kubectl(['create', '-f', '-'], { input: stringify(operatorCr(setup)) });
    const uid = (await kubectlJson<Meta>(['get', 'onload', cr, '-n', ns])).metadata.uid;
    await kubectl(['create', '-f', '-'], {
      input: operatorOwned(setup, uid)
        .map((o) => stringify(o))
        .join('---\n'),
    });
    // The operator's labels: KMM loads its two Modules, its DaemonSet comes to the node.
    for (const node of nodes)
      await kubectl([
        'label',
        'node',
        node,
        `${names.onloadVersionLabel}=${version}`,
        `${names.sfcVersionLabel}=${version}`,
        `${names.gateLabel}=${version}`,
      ]);
    for (const node of nodes)
      await waitFor(
        `KMM (stand-in) loading ${names.onloadModule} on ${node}`,
        async () => names.onloadReadyLabel in (await nodeLabels(node)),
        { timeoutMs: 60_000 },
      );
    // One pod using Onload on each of the first two nodes.
    for (const node of nodes.slice(0, 2))
      await kubectl(['create', '-f', '-'], {
        input: stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `trader-${node}`, namespace: ns },
          spec: {
            nodeName: node,
            terminationGracePeriodSeconds: 1,
            containers: [
              { name: 'app', image: 'trader:1', resources: { limits: { 'amd.com/onload': '1' } } },
            ],
          },
        }),
      });
  });

  afterAll(async () => {
    // The chart's labeller first (it would put the version labels back), then every module
    // unloaded while the Modules' ServiceAccount still exists (KMM's worker pods need it), then
    // the release and the Modules gone (KMM holds a deleted Module until no node has it), and only
    // then the namespace: KMM cannot unload in a terminating namespace.
    // Foreground: a background delete returns while the labeller's pod still runs and relabels.
    const labeller = ['-n', ns, '-l', 'app.kubernetes.io/component=labeller'];
    await kubectl(['delete', 'deployment', ...labeller, '--cascade=foreground', '--timeout=60s']);
    await waitFor(
      "the labeller's pods to be gone",
      async () => (await kubectl(['get', 'pods', ...labeller, '-o', 'name'])).stdout.trim() === '',
      { timeoutMs: 60_000 },
    );
    // Every node: the chart's labeller labelled all selected nodes, not only the three handed over.
    await kubectl([
      'label',
      'nodes',
      '--all',
      `${kmmVersionLabel(ns, 'onload')}-`,
      `${kmmVersionLabel(ns, 'sfc')}-`,
      `${names.onloadVersionLabel}-`,
      `${names.sfcVersionLabel}-`,
      `${names.gateLabel}-`,
    ]);
    const readyLabels = [
      kmmReadyLabel(ns, 'onload'),
      kmmReadyLabel(ns, 'sfc'),
      names.onloadReadyLabel,
      names.sfcReadyLabel,
    ];
    const stillLoaded = async (): Promise<string[]> =>
      (await kubectlJson<List<Meta>>(['get', 'nodes'])).items.flatMap((n) =>
        readyLabels
          .filter((l) => l in (n.metadata.labels ?? {}))
          .map((l) => `${n.metadata.name}: ${l}`),
      );
    await waitFor(
      'drivers unloaded on every node',
      async () => (await stillLoaded()).length === 0,
      {
        timeoutMs: 120_000,
        describe: async () => (await stillLoaded()).join(', '),
      },
    );
    await releaseUninstallGuards(ns);
    await helm(3, ['uninstall', 'onload', '-n', ns, '--no-hooks', '--wait'], {
      allowFailure: true,
    });
    await kubectl([
      'delete',
      'modules.kmm.sigs.x-k8s.io',
      '--all',
      '-n',
      ns,
      '--wait=true',
      '--timeout=120s',
    ]);
    await deleteNamespace(ns);
    await replaceCrd(chartCrd);
  });

  it('prints the plan per node and changes nothing', async () => {
    const before = await kubectlJson<List<Meta>>(['get', 'nodes']);
    const result = await migrate(['-n', ns]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`delete Onload ${ns}/${cr} leaving what it owns (orphan)`);
    expect(out).toContain('replace the Onload CRD left by the operator');
    expect(out).toContain('helm install the chart');
    for (const [i, node] of nodes.entries()) {
      const line = out
        .split('\n')
        .find((l) => l.includes(`node ${node} (operator onload ${version})`));
      expect(line).toBeDefined();
      expect(line).toContain(
        i < 2 ? `evict 1 pod(s) using amd.com/onload (${ns}/trader-${node})` : '(none now)',
      );
    }
    expect(out).toContain('nothing was changed');
    // KMM keeps writing its own labels meanwhile; every label the handover could write is unchanged.
    const after = await kubectlJson<List<Meta>>(['get', 'nodes']);
    expect(after.items.map(handoverLabels)).toEqual(before.items.map(handoverLabels));
    await kubectl(['get', 'onload', cr, '-n', ns]);
  });

  it("stops helm install while the operator's CRD is in place, naming the handover", async () => {
    const install = await helm(
      3,
      [
        'install',
        'onload',
        chartDir,
        '-n',
        ns,
        '--values',
        join(chartDir, 'ci', 'minimal-values.yaml'),
      ],
      { allowFailure: true },
    );
    expect(install.code).not.toBe(0);
    expect(install.stderr).toContain("is not this chart's");
    expect(install.stderr).toContain(`npm run migrate -- handover -n ${ns}`);
    const releases = await helm(3, ['list', '-n', ns, '-a', '-q']);
    expect(releases.stdout.trim()).toBe('');
  });

  it('refuses while the operator runs', async () => {
    await kubectl([
      'create',
      'deployment',
      'onload-operator-controller-manager',
      '-n',
      ns,
      '--image=operator:3.0.0',
    ]);
    try {
      const result = await migrate(['-n', ns, '--apply']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('the Go Onload Operator still runs');
      await kubectl(['get', 'onload', cr, '-n', ns]);
    } finally {
      await kubectl(['delete', 'deployment', 'onload-operator-controller-manager', '-n', ns]);
    }
  });

  it('hands the nodes over one at a time without a node-wide gap elsewhere', async () => {
    const first = await migrate(['-n', ns, '--apply']);
    expect([first.code, first.stderr]).toEqual([3, '']);
    expect(first.stdout).toContain('next: helm install');
    // The CR is gone, its Modules and DaemonSet stay (no owner any more), the CRD is the chart's.
    await waitFor(
      'the orphaned Modules to lose their owner reference',
      async () => {
        const module = await kubectlJson<Meta>([
          'get',
          'modules.kmm.sigs.x-k8s.io',
          names.onloadModule,
          '-n',
          ns,
        ]);
        return (module.metadata.ownerReferences ?? []).length === 0;
      },
      { timeoutMs: 60_000 },
    );
    for (const node of nodes) expect(names.onloadReadyLabel in (await nodeLabels(node))).toBe(true);
    const crd = await kubectl([
      'get',
      'crd',
      'onloads.onload.amd.com',
      '-o',
      'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}',
    ]);
    expect(crd.stdout).toContain('Phase');

    await helm(3, [
      'install',
      'onload',
      chartDir,
      '-n',
      ns,
      '--values',
      join(chartDir, 'ci', 'minimal-values.yaml'),
      '--set',
      'labeller.enabled=false',
      '--no-hooks',
    ]);
    const watch = new DriverGapWatch(ns, names, nodes);
    await watch.start();
    const started = Date.now();
    const second = await migrate(['-n', ns, '--apply', '--step-timeout-seconds', '120']);
    watch.stop();
    console.log(
      `handover of ${String(nodes.length)} nodes: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(second.stdout).toContain('handover done; next: helm upgrade');
    expect(watch.maxWithout).toBe(1);

    for (const node of nodes) {
      const labels = await nodeLabels(node);
      expect(labels[kmmVersionLabel(ns, 'onload')]).toBe(version);
      expect(labels[kmmVersionLabel(ns, 'sfc')]).toBe(version);
      expect(kmmReadyLabel(ns, 'onload') in labels).toBe(true);
      expect(
        Object.keys(labels).filter((k) => k.includes(`.${cr}-`) || k === names.gateLabel),
      ).toEqual([]);
    }
    const pods = await kubectlJson<List<Meta>>(['get', 'pods', '-n', ns, '-l', names.podNameLabel]);
    expect(pods.items).toEqual([]);
    const left = await kubectl([
      'get',
      'modules.kmm.sigs.x-k8s.io,daemonsets',
      '-n',
      ns,
      '-o',
      'name',
    ]);
    const operatorObjects = [names.onloadModule, names.sfcModule, names.daemonSet];
    expect(
      left.stdout.split('\n').filter((l) => operatorObjects.some((o) => l.endsWith(`/${o}`))),
    ).toEqual([]);
    const traders = await kubectlJson<List<Meta>>([
      'get',
      'pods',
      '-n',
      ns,
      '--field-selector',
      'metadata.name=trader-' + (nodes[0] ?? ''),
    ]);
    expect(traders.items).toEqual([]);

    // The chart takes over: its pre hook finds nothing of the operator left.
    await helm(3, [
      'upgrade',
      'onload',
      chartDir,
      '-n',
      ns,
      '--values',
      join(chartDir, 'ci', 'minimal-values.yaml'),
      '--timeout',
      '5m',
    ]);
  });
});
