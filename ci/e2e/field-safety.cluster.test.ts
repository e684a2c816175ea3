// What would break a real cluster, tried on the bed's newest KMM API (the KMM stand-in as KMM
// >= 2.5, with Module tolerations and the image check): a cordon for maintenance must not become an
// Onload outage, an upgrade to a kernel-module image that does not exist must fail before any
// node is touched, and a loader change without a new version is refused unless let through. Hook
// Jobs, the labeller, `kubectl onload debug`'s report pods, `kubectl onload firmware`'s Jobs and
// the `helm test` pod run as real containers on the bed's real node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusDocument } from '../../cli/status/report.ts';
import { paths } from '../../cli/support-bundle/layout.ts';
import { pauseAnnotation, skipLabel } from '../../hooks/src/contract.ts';
import { run } from '../lib/process.ts';
import { waitFor } from '../lib/wait.ts';
import { kubectl, kubectlJson, testbed } from '../testbed/session.ts';
import { kubectlOnload } from './plugin.ts';
import { realNodeName, realNodePaths, realNodeScheduling } from '../testbed/realnode/config.ts';
import { signalGroup, startProcess, tailOfLog } from '../testbed/supervisor.ts';
import { binaryPath, ensureTool } from '../tools/build.ts';
import { progressTo } from '../lib/progress.ts';
import { hooksImageOf, realNodeValues, troubleshootingImageOf } from './real-node.ts';
import {
  helmComplaints,
  helmTest,
  history,
  rollback,
  uninstall,
  upgradeInstall,
} from './release.ts';
import {
  applyWorkloads,
  deleteWorkloads,
  waitNodesClean,
  loadedVersions,
  release,
  selectedNodes,
  waitWorkloadsReady,
  watchInvariants,
  type Watch,
} from './scenario.ts';
import { merge, onloadValues, type Values } from './values.ts';
import { workloadNamespace } from './workloads.ts';

const ns = 'onload-field';
const r = release('onload', ns, 3);
const hooksImage = hooksImageOf(testbed());
const troubleshootingImage = troubleshootingImageOf(testbed()).reference;
// The host directory the device plugin would copy the userland to: fixture tools
// (ci/e2e/fixtures/troubleshooting/host-onload) that the Onload report runs with chroot /host.
let hostOnloadPath = '';
const values = (version: string, extra: Values = {}): Values =>
  onloadValues(
    version,
    merge(
      merge(realNodeValues(hooksImage), {
        devicePlugin: { hostOnloadPath },
        diagnostics: {
          image: troubleshootingImage,
          sfc: { image: troubleshootingImage },
          // helm test checks the real node, where the fixture device plugin offers amd.com/onload.
          test: realNodeScheduling,
        },
      }),
      extra,
    ),
  );
// A value the support bundle must never carry out of the cluster (Helm values hold it; sfptpd is
// not deployed, so nothing renders it).
const secretMarker = 'bundle-must-not-carry-this';
const pem = `-----BEGIN PRIVATE KEY-----\n${secretMarker}\n-----END PRIVATE KEY-----\n`;
const missingImage =
  'registry.example.com/does-not-exist/onload-module:2.0.0-${KERNEL_FULL_VERSION}';

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string };
}

async function podsOn(node: string, namespace: string): Promise<Map<string, string>> {
  const pods = await kubectlJson<{ items: PodJson[] }>([
    'get',
    'pods',
    '-n',
    namespace,
    '--field-selector',
    `spec.nodeName=${node}`,
  ]);
  return new Map(pods.items.map((p) => [p.metadata.name, p.metadata.uid]));
}

/** Names of the release namespace's objects of `kind` with component label `component`. */
async function componentObjects(kind: string, component: string): Promise<string[]> {
  const list = await kubectlJson<{ items: { metadata: { name: string } }[] }>([
    'get',
    kind,
    '-n',
    ns,
    '-l',
    `app.kubernetes.io/component=${component}`,
  ]);
  return list.items.map((o) => o.metadata.name);
}

async function expectAllOn(version: string): Promise<void> {
  const versions = await loadedVersions(ns);
  for (const node of await selectedNodes())
    expect([node, versions[node]]).toEqual([
      node,
      { onload: version, sfc: version, wanted: version },
    ]);
}

describe('Field safety (KMM stand-in with the newest KMM API)', () => {
  let watch: Watch;

  beforeAll(async () => {
    // Not under /tmp: the report pods mount a scratch directory over the host's /tmp.
    hostOnloadPath = await mkdtemp('/var/tmp/onload-host-userland-');
    await cp(join(import.meta.dirname, 'fixtures/troubleshooting/host-onload'), hostOnloadPath, {
      recursive: true,
    });
    watch = await watchInvariants({ namespace: ns, maxOutOfService: 1, sfcEnabled: true });
  });

  afterAll(async () => {
    await watch.observer.stop();
    await rm(hostOnloadPath, { recursive: true, force: true });
  });

  it('1. installs and serves workloads', async () => {
    const result = await upgradeInstall(r, values('1.0.0', { sfptpd: { config: pem } }));
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await expectAllOn('1.0.0');
    await applyWorkloads();
    await waitWorkloadsReady();
  });

  it('2. a cordon for maintenance changes nothing: no eviction, the driver and the device plugin stay; nor does the uncordon', async () => {
    let node = '';
    for (const candidate of await selectedNodes())
      if ((await podsOn(candidate, workloadNamespace)).size > 0) node ||= candidate;
    expect(node).not.toBe('');
    const ready = `kmm.node.kubernetes.io/${ns}.onload.ready`;
    const ours = await podsOn(node, ns);
    const workloads = await podsOn(node, workloadNamespace);
    expect([...ours.keys()].some((p) => p.includes('device-plugin'))).toBe(true);
    await kubectl(['cordon', node]);
    try {
      await waitFor(
        'the cordon taint',
        async () =>
          (
            await kubectlJson<{ spec: { taints?: { key: string }[] } }>(['get', 'node', node])
          ).spec.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable') ?? false,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // KMM and the DaemonSet controller react within a second; give them five.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const labels = (
        await kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'node', node])
      ).metadata.labels;
      expect(ready in labels).toBe(true);
      expect(await podsOn(node, ns)).toEqual(ours);
      expect(await podsOn(node, workloadNamespace)).toEqual(workloads);
    } finally {
      await kubectl(['uncordon', node]);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await podsOn(node, ns)).toEqual(ours);
    expect(await podsOn(node, workloadNamespace)).toEqual(workloads);
    await watch.observer.settle();
    expect(watch.checker.evictions.size).toBe(0);
    expect(watch.checker.violations).toEqual([]);
  });

  it('2b. kubectl onload as users run it: status, pause and resume, skip, and a support bundle that carries no secret', async () => {
    const selected = [...(await selectedNodes())].sort();
    const status = await kubectlOnload(['status', '-n', ns, '-o', 'json']);
    expect([status.code, status.stderr]).toEqual([0, '']);
    const doc = JSON.parse(status.stdout) as StatusDocument;
    expect(doc.name).toBe(r.name);
    expect(doc.nodes.map((n) => n.name).sort()).toEqual(selected);
    for (const n of doc.nodes)
      expect([n.name, n.modules.onload, n.paused]).toEqual([
        n.name,
        { desired: '1.0.0', loaded: '1.0.0', ready: true },
        false,
      ]);
    const table = await kubectlOnload(['status', '-n', ns]);
    expect(table.code).toBe(0);
    for (const node of selected) expect(table.stdout).toContain(node);

    const annotations = async () =>
      (
        await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>([
          'get',
          'onload',
          r.name,
          '-n',
          ns,
        ])
      ).metadata.annotations ?? {};
    expect((await kubectlOnload(['pause', '-n', ns])).code).toBe(0);
    expect((await annotations())[pauseAnnotation]).toBe('true');
    expect((await kubectlOnload(['resume', '-n', ns])).code).toBe(0);
    expect(pauseAnnotation in (await annotations())).toBe(false);

    const node = selected[0] ?? '';
    const nodeLabels = async () =>
      (await kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'node', node]))
        .metadata.labels;
    expect((await kubectlOnload(['skip', node])).code).toBe(0);
    expect((await nodeLabels())[skipLabel]).toBe('true');
    expect((await kubectlOnload(['unskip', node])).code).toBe(0);
    expect(skipLabel in (await nodeLabels())).toBe(false);

    const usage = await kubectlOnload(['status', '-n', ns, '-o', 'xml']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--output');
    const missing = await kubectlOnload(['skip', 'no-such-node']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-node');

    // --no-reports: the bundle runs the reports on the release's nodes, which here are KWOK's
    // (no container runs there); step 2c runs the report pods on the real node.
    const dir = await mkdtemp(join(tmpdir(), 'onload-bundle-'));
    const bundle = await kubectlOnload(
      ['support-bundle', '-n', ns, '-f', 'bundle.tar.gz', '--no-reports'],
      dir,
    );
    expect([bundle.code, bundle.stdout]).toEqual([0, expect.stringContaining('bundle.tar.gz')]);
    await run('tar', ['-xzf', 'bundle.tar.gz'], { cwd: dir });
    const root =
      (await run('tar', ['-tzf', 'bundle.tar.gz'], { cwd: dir })).stdout.split('/')[0] ?? '';
    const index = JSON.parse(await readFile(join(dir, root, paths.index), 'utf8')) as {
      files: { path: string }[];
      failures: { item: string; reason: string }[];
    };
    const files = index.files.map((f) => f.path);
    const expected = [
      paths.onload(r.name),
      paths.module('onload'),
      paths.module('sfc'),
      paths.helmRevision(r.name, 1),
      ...selected.flatMap((n) => [paths.node(n), paths.nodeModulesConfig(n)]),
    ];
    expect(expected.filter((f) => !files.includes(f))).toEqual([]);
    // The labeller runs on the real node: its log is there. The device plugin pods run on KWOK's
    // nodes, which serve no logs: each such log is listed as not collected, with the reason.
    const labellerLog = files.find((f) => /^pods\/[^/]*labeller[^/]*\/[^/]*\.log$/.test(f));
    expect(labellerLog).toBeDefined();
    expect((await readFile(join(dir, root, labellerLog ?? ''), 'utf8')).length).toBeGreaterThan(0);
    const devicePluginPods = files.filter((f) =>
      /^pods\/[^/]*device-plugin[^/]*\/pod\.yaml$/.test(f),
    );
    expect(devicePluginPods).toHaveLength(selected.length);
    for (const pod of devicePluginPods) {
      const name = pod.split('/')[1] ?? '';
      const logged =
        files.some((f) => f.startsWith(`pods/${name}/`) && f.endsWith('.log')) ||
        index.failures.some((f) => f.item.includes(name));
      expect([name, logged]).toEqual([name, true]);
    }
    const revision = await readFile(join(dir, root, paths.helmRevision(r.name, 1)), 'utf8');
    expect(revision).toContain('REDACTED');
    // Nothing anywhere in the bundle carries the secret value, nor any Secret object.
    const grep = await run('grep', ['-rlE', `${secretMarker}|^kind: Secret$`, root], {
      cwd: dir,
      allowFailure: true,
    });
    expect([grep.code, grep.stdout]).toEqual([1, '']);
  });

  it('2c. kubectl onload debug runs the Onload and sfc reports in real pods on a node, prints them, and leaves no pod behind', async () => {
    const debug = await kubectlOnload(['debug', realNodeName, '--onload', '--sfc', '-n', ns]);
    expect([debug.code, debug.stderr]).toEqual([0, expect.stringContaining('is not one of')]);
    const out = debug.stdout;
    for (const kind of ['onload', 'sfc'])
      expect(out).toContain(`===== ${kind} report of node ${realNodeName}: succeeded =====`);
    // The Onload report ran the host's tools where the release copies the userland.
    expect(out).toContain(`Onload userland on the host: ${hostOnloadPath}`);
    expect(out).toContain('onload 9.9.9-fixture');
    expect(out).toContain('Onload 9.9.9-fixture (libonload fixture)');
    for (const command of ['stacks', 'filter_table'])
      expect(out).toContain(`fixture onload_stackdump ${command}: no stacks`);
    expect(out).toContain('"fixture_orm_json": true');
    // The host's own facts: its hostname, and its interfaces (the bed's bridge among them).
    expect(out).toContain(`node: ${hostname()}`);
    expect(out).toMatch(/^onload-tb\d driver=/m);
    // The sfc report ran diagnostics.sfc.image's sfreport and showed the file it wrote.
    expect(out).toContain('fixture sfreport: wrote sfreport-fixture-');
    expect(out).toMatch(/===== sfreport output file sfreport-fixture-[^ ]+\.html =====/);
    expect(await componentObjects('pods', 'troubleshooting')).toEqual([]);
  });

  it('2d. kubectl onload firmware: a dry run reads, --apply writes in a real Job; on an Onload node it drains through the Eviction API, reloads the driver and brings the node back', async () => {
    const firmwareJobs = (): Promise<string[]> => componentObjects('jobs', 'firmware');
    const settings = ['--sfboot', 'firmware-variant=ultra-low-latency', '--sfupdate'];
    // The real node: real Job pods run diagnostics.sfc.image's (fixture) sfboot and sfupdate.
    const dry = await kubectlOnload(['firmware', realNodeName, ...settings, '-n', ns]);
    expect([dry.code, dry.stdout + dry.stderr]).toEqual([
      0,
      expect.stringContaining('creating Job'),
    ]);
    expect(dry.stdout).toContain(
      `===== firmware of node ${realNodeName}: dry run, succeeded =====`,
    );
    expect(dry.stdout).toContain(`fixture sfboot: current settings of ${hostname()}`);
    expect(dry.stdout).toContain('fixture sfupdate: controller version 8.0.0.1');
    expect(dry.stdout).not.toContain('fixture sfboot: stored');
    expect(dry.stdout).toContain('run: sfboot firmware-variant=ultra-low-latency');
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    const written = await kubectlOnload([
      'firmware',
      realNodeName,
      ...settings,
      '--apply',
      '-n',
      ns,
    ]);
    expect([written.code, written.stdout]).toEqual([0, expect.stringContaining('written')]);
    expect(written.stdout).toContain(
      '$ sfboot firmware-variant=ultra-low-latency\nfixture sfboot: stored firmware-variant=ultra-low-latency',
    );
    expect(written.stdout).toContain(
      `$ sfupdate --write --yes\nfixture sfupdate: flashed 8.1.0.2 on ${hostname()}`,
    );
    expect(written.stdout).toContain('firmware: every command succeeded');
    expect(written.stdout).toContain(`Firmware written on 1 of 1 node(s) (${realNodeName})`);
    expect(await firmwareJobs()).toEqual([]);

    // An Onload node serving workloads (KWOK's: the Job's pod is completed by the bed's stage).
    let node = '';
    for (const candidate of await selectedNodes())
      if ((await podsOn(candidate, workloadNamespace)).size > 0) node ||= candidate;
    expect(node).not.toBe('');
    const workloads = await podsOn(node, workloadNamespace);
    const evictionsBefore = watch.checker.evictions.size;
    const flashed = await kubectlOnload(['firmware', node, '--sfupdate', '--apply', '-n', ns]);
    expect([flashed.code, flashed.stdout]).toEqual([
      0,
      expect.stringContaining(`Firmware written on 1 of 1 node(s) (${node})`),
    ]);
    // In the rollout's order: paused, drained, flashed, onload out, sfc out and in, onload in.
    const order = [
      'pausing the node',
      'creating Job',
      'removing the onload version label',
      'removing the sfc version label',
      'setting the sfc version label back to 1.0.0',
      'setting the onload version label back to 1.0.0',
      'removing the pause',
    ].map((line) => flashed.stderr.indexOf(line));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    await watch.observer.settle();
    const evicted = [...watch.checker.evictions.values()].slice(evictionsBefore);
    expect(evicted.length).toBeGreaterThanOrEqual(workloads.size);
    expect(evicted.every((e) => e.viaApi)).toBe(true);
    const left = await podsOn(node, workloadNamespace);
    for (const [name, uid] of workloads) expect([name, left.get(name)]).not.toEqual([name, uid]);
    await expectAllOn('1.0.0');
    const labels = (
      await kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'node', node])
    ).metadata.labels;
    expect(labels[`onload.amd.com/${ns}.paused`]).toBeUndefined();
    expect(await firmwareJobs()).toEqual([]);
    const lease = await kubectlJson<{ spec: { holderIdentity?: string } }>([
      'get',
      'lease',
      '-n',
      ns,
      'onload-rollout',
    ]);
    expect(lease.spec.holderIdentity ?? '').toBe('');
    expect(watch.checker.violations).toEqual([]);
    await waitWorkloadsReady();
  });

  it('2e. helm test: its pod, allocated amd.com/onload on the real node, finds what the device plugin gave it and passes when the userland and driver versions agree; it fails naming both when not', async () => {
    const state = testbed();
    // The fixture device plugin (ci/tools/fixture-device-plugin) answers the kubelet as the Onload
    // device plugin does, from the userland at hostOnloadPath; the driver version is a host file.
    const versionFile = join(hostOnloadPath, 'fixture-driver-version');
    await writeFile(versionFile, '9.9.9-fixture\n');
    await ensureTool('fixtureDevicePlugin', progressTo('tools'));
    const plugin = startProcess(
      state.stateDir,
      'fixture-device-plugin',
      binaryPath('fixtureDevicePlugin', 'fixture-device-plugin'),
      [
        '-kubelet-root',
        realNodePaths(state.stateDir).kubeletRoot,
        '-host-onload',
        hostOnloadPath,
        '-driver-version-file',
        versionFile,
        '-count',
        '2',
      ],
    );
    try {
      await waitFor(
        'amd.com/onload allocatable on the real node',
        async () =>
          (
            await kubectlJson<{ status: { allocatable?: Record<string, string> } }>([
              'get',
              'node',
              realNodeName,
            ])
          ).status.allocatable?.['amd.com/onload'] === '2',
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          describe: () => tailOfLog(state.stateDir, 'fixture-device-plugin'),
        },
      );
      const passed = await helmTest(r);
      expect([passed.code, passed.stdout + passed.stderr]).toEqual([
        0,
        expect.stringContaining('PASS'),
      ]);
      for (const line of [
        `node ${realNodeName}: checking Onload for release onload (onload.version 1.0.0)`,
        'ok: /dev/onload and /dev/onload_epoll present',
        'ok: userland mounted at /opt/onload/usr/lib64',
        'ok: LD_PRELOAD=/opt/onload/usr/lib64/libonload.so',
        'ok: userland and driver both Onload 9.9.9-fixture',
      ])
        expect(passed.stdout).toContain(line);

      await writeFile(versionFile, '9.9.8\n');
      const mismatch = await helmTest(r);
      expect(mismatch.code).not.toBe(0);
      expect(mismatch.stdout + mismatch.stderr).toContain(
        'FAIL: the userland is Onload 9.9.9-fixture but the loaded driver is 9.9.8',
      );
    } finally {
      signalGroup(plugin, 'SIGTERM');
      await rm(versionFile, { force: true });
      // The (failed) test pod stays for its log until uninstall: step 4.
    }
  });

  it('3. an upgrade to a kernel-module image that does not exist fails before any node is touched, naming the image', async () => {
    const before = await loadedVersions(ns);
    const evictionsBefore = watch.checker.evictions.size;
    const deployed = (await history(r)).at(-1)?.revision ?? 0;
    const result = await upgradeInstall(
      r,
      values('2.0.0', {
        onload: {
          kernelMappings: [{ regexp: String.raw`^.*\.x86_64$`, kernelModuleImage: missingImage }],
        },
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('does-not-exist/onload-module:2.0.0');
    expect(await loadedVersions(ns)).toEqual(before);

    const back = await rollback(r, deployed);
    expect(helmComplaints(back.stderr)).toEqual([]);
    expect(back.code).toBe(0);
    await expectAllOn('1.0.0');
    await watch.observer.settle();
    expect(watch.checker.evictions.size).toBe(evictionsBefore);
    expect(watch.checker.violations).toEqual([]);
  });

  it('3b. a loader change that keeps onload.version is refused before anything changes, naming the field and both fixes; upgrade.applyLoaderChangesAtOnce lets it through', async () => {
    const before = await loadedVersions(ns);
    const evictionsBefore = watch.checker.evictions.size;
    const pullPolicy = async (): Promise<string | undefined> =>
      (
        await kubectlJson<{ spec: { moduleLoader: { container: { imagePullPolicy?: string } } } }>([
          'get',
          'modules.kmm.sigs.x-k8s.io',
          'onload',
          '-n',
          ns,
        ])
      ).spec.moduleLoader.container.imagePullPolicy;
    const change = { onload: { imagePullPolicy: 'Always' } };

    const refused = await upgradeInstall(r, values('1.0.0', change));
    expect(refused.code).not.toBe(0);
    for (const module of ['onload', 'sfc'])
      expect(refused.stderr).toContain(
        `KMM Module ${ns}/${module}: spec.moduleLoader.container.imagePullPolicy "IfNotPresent" → "Always"`,
      );
    expect(refused.stderr).toContain('Ship the change with a new onload.version');
    expect(refused.stderr).toContain('upgrade.applyLoaderChangesAtOnce=true');
    expect(await pullPolicy()).toBe('IfNotPresent');
    expect(await loadedVersions(ns)).toEqual(before);

    // The escape accepts what its message says: KMM may reload every node at once, undrained.
    watch.checker.watchRollout(false);
    const accepted = await upgradeInstall(
      r,
      values('1.0.0', merge(change, { upgrade: { applyLoaderChangesAtOnce: true } })),
    );
    expect(helmComplaints(accepted.stderr)).toEqual([]);
    expect(accepted.code).toBe(0);
    expect(await pullPolicy()).toBe('Always');
    await waitFor(
      'every selected node back on onload and sfc 1.0.0',
      async () => {
        const versions = await loadedVersions(ns);
        return (await selectedNodes()).every(
          (n) => versions[n]?.onload === '1.0.0' && versions[n].sfc === '1.0.0',
        );
      },
      { timeoutMs: 120_000 },
    );
    await expectAllOn('1.0.0');
    await watch.observer.settle();
    watch.checker.watchRollout(true);
    expect(watch.checker.evictions.size).toBe(evictionsBefore);
    expect(watch.checker.violations).toEqual([]);
  });

  it('4. uninstalls cleanly, the last helm test pod included', async () => {
    watch.checker.watchRollout(false);
    await deleteWorkloads();
    const testPods = (): Promise<string[]> => componentObjects('pods', 'test');
    expect(await testPods()).toEqual(['onload-test']);
    const result = await uninstall(r);
    expect(result.code).toBe(0);
    await waitNodesClean(ns);
    // pre-delete deleted it; the kubelet confirms the deletion of an ended pod at once.
    await waitFor('the helm test pod gone', async () => (await testPods()).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
  });
});
