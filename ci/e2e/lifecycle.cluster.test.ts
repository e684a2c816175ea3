// End to end with Helm 3, the way users run it: real `helm install / upgrade / rollback /
// uninstall` drive the chart's real hook Jobs and labeller (real containers of the hooks image
// built in this run, on the test bed's real kubelet node, with their ServiceAccount's token)
// against KMM, with accelerated workloads and PDBs, while a watcher checks the rollout invariants
// on every change. The scenarios build on each other. `npm test` runs them twice, each time on a
// bed of its own: in the `kmm-manager` jest project against the real KMM manager, and in the
// `cluster` project's second lane (ONLOAD_CLUSTER_LANE=2, jest.config.js) against the KMM
// stand-in (newest-KMM mode).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  pauseAnnotation,
  pausedLabel,
  skipLabel,
  stateLabel,
  nodeAnnotation,
} from '../../hooks/src/contract.ts';
import { waitFor } from '../lib/wait.ts';
import { addNodes } from '../testbed/cluster.ts';
import { realNodeName } from '../testbed/realnode/config.ts';
import { kmmLabel, kubectl, kubectlJson, setKmmFault, testbed } from '../testbed/session.ts';
import {
  fromImage,
  hooksImageOf,
  notOnRealNode,
  OurPodsRecorder,
  peakMemorySummary,
  realNodeValues,
} from './real-node.ts';
import { helmComplaints, history, rollback, uninstall, upgradeInstall } from './release.ts';
import {
  applyWorkloads,
  deleteWorkloads,
  leftoverKeys,
  loadedVersions,
  nodes,
  onloadCr,
  release,
  selectedNodes,
  waitForNodeState,
  waitForRolloutInProgress,
  waitWorkloadsReady,
  watchInvariants,
  type Watch,
} from './scenario.ts';
import { merge, onloadValues, type Values } from './values.ts';

const ns = 'onload-e2e';
const r = release('onload', ns, 3);
const canary = 'worker-03';
const policy: Values = { upgrade: { canary: { nodeNames: [canary] } } };
const hooksImage = hooksImageOf(testbed());
const values = (version: string, extra: Values = {}): Values =>
  onloadValues(version, merge(merge(realNodeValues(hooksImage), policy), extra));

let watch: Watch;
let selected: string[];
let ourPods: OurPodsRecorder;
const fromHooksImage = (imageId: string): boolean => fromImage(imageId, hooksImage);

async function expectAllOn(version: string): Promise<void> {
  const versions = await loadedVersions(ns);
  for (const node of selected)
    expect([node, versions[node]]).toEqual([
      node,
      { onload: version, sfc: version, wanted: version },
    ]);
}

async function expectNoViolations(): Promise<void> {
  await watch.observer.settle();
  expect(watch.checker.violations).toEqual([]);
}

beforeAll(async () => {
  ourPods = new OurPodsRecorder(testbed().kubeconfig, ns);
  await ourPods.start();
  selected = await selectedNodes();
  watch = await watchInvariants({ namespace: ns, maxOutOfService: 1, sfcEnabled: true });
});

afterAll(async () => {
  ourPods.stop();
  await watch.observer.stop();
  await deleteWorkloads();
  // Scenario 4's node: the test bed is shared with later test files.
  await kubectl(['delete', 'node', 'worker-07', '--ignore-not-found', '--wait=false']);
});

describe(`Helm 3 lifecycle (${kmmLabel()})`, () => {
  it('1. helm install: every selected node gets onload and sfc; daemon pods start only after the driver; workloads run', async () => {
    const result = await upgradeInstall(r, values('1.0.0'));
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await expectAllOn('1.0.0');
    const unselected = (await nodes()).filter((n) => !selected.includes(n.name));
    expect(unselected.length).toBeGreaterThan(0);
    for (const node of unselected)
      expect(Object.keys(node.labels).filter((k) => k.includes(`${ns}.`))).toEqual([]);

    const daemonPods = await kubectlJson<{
      items: { spec: { nodeName: string }; metadata: { labels: Record<string, string> } }[];
    }>([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      'app.kubernetes.io/component in (device-plugin,control-plane)',
    ]);
    expect(new Set(daemonPods.items.map((p) => p.spec.nodeName))).toEqual(new Set(selected));
    expect(daemonPods.items).toHaveLength(2 * selected.length);

    await applyWorkloads();
    const cr = await onloadCr(r);
    expect(cr.status).toMatchObject({
      phase: 'Ready',
      nodes: { total: selected.length, upToDate: selected.length },
    });
    await expectNoViolations();

    // The hook Jobs and the labeller ran as real containers on the real node, from this run's image.
    const hookPods = ourPods.pods('hook');
    expect(hookPods.length).toBeGreaterThanOrEqual(2);
    for (const pod of hookPods)
      expect([pod.name, pod.node, pod.phase, fromHooksImage(pod.imageId)]).toEqual([
        pod.name,
        realNodeName,
        'Succeeded',
        true,
      ]);
    const labeller = ourPods.pods('labeller').filter((p) => !p.deleted);
    expect(labeller.map((p) => [p.node, p.phase, p.running, fromHooksImage(p.imageId)])).toEqual([
      [realNodeName, 'Running', true, true],
    ]);
  });

  it('2. helm upgrade to a new version: ordered rollout, canary first, workloads rescheduled, kubectl get onload shows it', async () => {
    const firstPaused: string[] = [];
    const track = setInterval(() => {
      void nodes().then((list) => {
        for (const n of list)
          if (n.labels[pausedLabel(ns)] !== undefined && !firstPaused.includes(n.name))
            firstPaused.push(n.name);
      });
    }, 200);
    const result = await upgradeInstall(r, values('2.0.0'));
    clearInterval(track);
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await expectAllOn('2.0.0');
    expect(firstPaused[0]).toBe(canary);
    expect(firstPaused.slice(1)).toEqual([...firstPaused.slice(1)].sort());
    await waitWorkloadsReady();
    const evicted = [...watch.checker.evictions.values()];
    expect(evicted.length).toBeGreaterThanOrEqual(5);
    expect(evicted.every((e) => e.viaApi)).toBe(true);
    const printed = await kubectl(['get', 'onload', '-n', ns]);
    expect(printed.stdout).toMatch(/onload\s+2\.0\.0\s+Ready\s+5\s+5\s+0/);
    await expectNoViolations();
  });

  it('3. helm rollback: back to the old version through the same ordered path', async () => {
    const result = await rollback(r, 1);
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await expectAllOn('1.0.0');
    const status = (await onloadCr(r)).status;
    expect(status?.phase).toBe('Ready');
    // Only versions some node still runs: 2.0.0 is gone, not counted on.
    expect(status?.versions).toEqual({ '1.0.0': selected.length });
    await waitWorkloadsReady();
    await expectNoViolations();
  });

  it('4. a node joining mid-upgrade gets the new version from the labeller and is never evicted', async () => {
    const upgrade = upgradeInstall(r, values('3.0.0'));
    await waitForRolloutInProgress(ns);
    await addNodes(testbed().kubeconfig, [{ name: 'worker-07', solarflare: true }]);
    const result = await upgrade;
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    selected = await selectedNodes();
    expect(selected).toContain('worker-07');
    await waitFor(
      'worker-07 to load 3.0.0',
      async () => (await loadedVersions(ns))['worker-07']?.onload === '3.0.0',
      { timeoutMs: 60_000 },
    );
    await expectAllOn('3.0.0');
    await watch.observer.settle();
    const joined = (await nodes()).find((n) => n.name === 'worker-07');
    expect(joined?.labels[stateLabel(ns)]).not.toBe('upgrade-failed');
    expect([...watch.checker.evictions.values()].filter((e) => e.node === 'worker-07')).toEqual([]);
    await expectNoViolations();
  });

  it('5. a node whose new driver fails to load stops the rollout, helm upgrade names it, the others keep working; fixing it and rerunning completes', async () => {
    const failing = 'worker-02';
    await setKmmFault(failing, 'load', 'fail');
    const result = await upgradeInstall(
      r,
      values('4.0.0', { upgrade: { timeouts: { driverReloadSeconds: 20 } } }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(failing);

    const after = await nodes();
    const failed = after.find((n) => n.name === failing);
    expect(failed?.labels[stateLabel(ns)]).toBe('upgrade-failed');
    expect(failed?.labels[pausedLabel(ns)]).toBeDefined();
    expect(failed?.annotations[nodeAnnotation(ns, 'reason')]).toBeTruthy();
    const versions = await loadedVersions(ns);
    const untouched = selected.filter((n) => ![canary, 'worker-01', failing].includes(n));
    for (const node of untouched) expect([node, versions[node]?.onload]).toEqual([node, '3.0.0']);
    const cr = await onloadCr(r);
    expect(cr.status?.phase).toBe('Failed');
    expect(cr.status?.failedNodes?.map((f) => f.name)).toEqual([failing]);
    await waitWorkloadsReady();

    await setKmmFault(failing, 'load', undefined);
    const retried = await upgradeInstall(
      r,
      values('4.0.0', { upgrade: { timeouts: { driverReloadSeconds: 20 } } }),
    );
    expect(helmComplaints(retried.stderr)).toEqual([]);
    expect(retried.code).toBe(0);
    await expectAllOn('4.0.0');
    expect((await onloadCr(r)).status).toMatchObject({ phase: 'Ready', failedNodes: [] });
    await waitWorkloadsReady();
    await expectNoViolations();
  });

  it('6. pause mid-rollout and resume; the skip label keeps a node out until removed', async () => {
    const skipped = 'worker-05';
    await kubectl(['label', 'node', skipped, `${skipLabel}=true`]);
    const upgrade = upgradeInstall(r, values('5.0.0'));
    await waitFor(
      'the canary to run 5.0.0',
      async () => (await loadedVersions(ns))[canary]?.onload === '5.0.0',
      { timeoutMs: 300_000 },
    );
    await waitForNodeState(ns, canary, 'upgrade-done');
    await kubectl(['annotate', 'onload', r.name, '-n', ns, `${pauseAnnotation}=true`]);
    const paused = await upgrade;
    expect(helmComplaints(paused.stderr)).toEqual([]);
    expect(paused.code).toBe(0);
    const midway = await loadedVersions(ns);
    const upgraded = selected.filter((n) => midway[n]?.onload === '5.0.0');
    expect(upgraded.length).toBeGreaterThanOrEqual(1);
    expect(upgraded.length).toBeLessThan(selected.length - 1);
    expect((await nodes()).filter((n) => n.labels[pausedLabel(ns)] !== undefined)).toEqual([]);
    expect((await onloadCr(r)).status?.phase).toBe('Paused');

    await kubectl(['annotate', 'onload', r.name, '-n', ns, `${pauseAnnotation}-`]);
    const resumed = await upgradeInstall(r, values('5.0.0'));
    expect(resumed.code).toBe(0);
    const versions = await loadedVersions(ns);
    for (const node of selected)
      expect([node, versions[node]?.onload]).toEqual([node, node === skipped ? '4.0.0' : '5.0.0']);

    await kubectl(['label', 'node', skipped, `${skipLabel}-`]);
    const last = await upgradeInstall(r, values('5.0.0'));
    expect(last.code).toBe(0);
    await expectAllOn('5.0.0');
    await expectNoViolations();
  });

  it('7. helm uninstall is refused while PDB-protected workloads use Onload: it names them and leaves the nodes serving', async () => {
    const shortWaits = values('5.0.0', {
      upgrade: { timeouts: { devicePluginStopSeconds: 10, evictionSeconds: 10 } },
    });
    const settings = await upgradeInstall(r, shortWaits);
    expect(settings.code).toBe(0);
    await watch.observer.settle();
    watch.checker.watchRollout(false);
    const refused = await uninstall(r);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('PodDisruptionBudget');
    expect(refused.stderr).toContain('Nothing was uninstalled');
    await waitFor(
      'no node left paused',
      async () => (await nodes()).every((n) => n.labels[pausedLabel(ns)] === undefined),
      { timeoutMs: 60_000 },
    );
    await expectAllOn('5.0.0');
    // Helm leaves the release "uninstalling"; the refusal says to keep it by rolling back to that
    // revision, after which helm upgrade works again.
    const stuck = (await history(r)).at(-1);
    expect(stuck?.status).toBe('uninstalling');
    expect(refused.stderr).toContain(`helm rollback ${r.name} <revision> -n ${ns}`);
    const kept = await rollback(r, stuck?.revision ?? 0);
    expect([kept.code, helmComplaints(kept.stderr)]).toEqual([0, []]);
    expect((await history(r)).at(-1)?.status).toBe('deployed');
    await waitWorkloadsReady();
    await expectNoViolations();
  });

  it('8. once the workloads are gone, helm uninstall leaves the nodes clean and nothing running', async () => {
    await deleteWorkloads();
    const result = await uninstall(r);
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await waitFor('nodes to be clean', async () => (await leftoverKeys(ns)).length === 0, {
      timeoutMs: 120_000,
      describe: async () => (await leftoverKeys(ns)).join(', '),
    });
    const left = await kubectl([
      'get',
      'pods,daemonsets,deployments,jobs,modules,onloads',
      '-n',
      ns,
      '-o',
      'name',
    ]);
    expect(left.stdout.trim()).toBe('');
    await expectNoViolations();
  });

  it('9. every hook and labeller pod of the lifecycle ran on the real node from this run’s image', () => {
    const all = ourPods.pods();
    console.log(
      `peak memory of our pods' cgroups on the real node (memory.max_usage_in_bytes, container + pause): hooks ${peakMemorySummary(ourPods.pods('hook'))}, labeller ${peakMemorySummary(ourPods.pods('labeller'))}`,
    );
    expect(
      all.filter((p) => p.component === 'hook' && p.phase === 'Succeeded').length,
    ).toBeGreaterThan(4);
    expect(notOnRealNode(all, hooksImage)).toEqual([]);
  });
});
