// The same install → upgrade with Helm 4 (in the --wait mode the README documents) and with the
// Argo CD flow reproduced faithfully: `helm template` only, PreSync hooks, apply, PostSync hooks.
// The hook Jobs and the labeller run as real containers on the test bed's real node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../lib/wait.ts';
import { realNodeName } from '../testbed/realnode/config.ts';
import { helm, kubectl, testbed } from '../testbed/session.ts';
import { ArgoCdApp } from './argocd.ts';
import { template, uninstall, upgradeInstall } from './release.ts';
import {
  applyWorkloads,
  deleteWorkloads,
  leftoverKeys,
  loadedVersions,
  onloadCr,
  release,
  selectedNodes,
  waitWorkloadsReady,
  watchInvariants,
  type Watch,
} from './scenario.ts';
import {
  fromImage,
  hooksImageOf,
  notOnRealNode,
  OurPodsRecorder,
  realNodeValues,
} from './real-node.ts';
import { onloadValues, type Values } from './values.ts';

const hooksImage = hooksImageOf(testbed());
const valuesFor = (version: string): Values => onloadValues(version, realNodeValues(hooksImage));

/** Hook Jobs completed and the labeller runs, all on the real node from this run's image. */
function expectRealPods(pods: OurPodsRecorder): void {
  const hooks = pods.pods('hook');
  expect(hooks.filter((p) => p.phase === 'Succeeded').length).toBeGreaterThanOrEqual(2);
  expect(hooks.filter((p) => p.phase === 'Failed')).toEqual([]);
  const labeller = pods.pods('labeller').filter((p) => !p.deleted);
  expect(labeller.map((p) => [p.node, p.running, fromImage(p.imageId, hooksImage)])).toEqual([
    [realNodeName, true, true],
  ]);
  expect(notOnRealNode(pods.pods(), hooksImage)).toEqual([]);
}

async function expectAllOn(namespace: string, version: string): Promise<void> {
  const versions = await loadedVersions(namespace);
  for (const node of await selectedNodes()) {
    expect([node, versions[node]]).toEqual([
      node,
      { onload: version, sfc: version, wanted: version },
    ]);
  }
}

async function expectClean(namespace: string): Promise<void> {
  await waitFor('nodes to be clean', async () => (await leftoverKeys(namespace)).length === 0, {
    timeoutMs: 120_000,
    describe: async () => (await leftoverKeys(namespace)).join(', '),
  });
}

describe('Helm 4', () => {
  const ns = 'onload-helm4';
  const r = release('onload', ns, 4);
  // Helm 4's --wait=watcher waits for OnDelete DaemonSets to be fully updated, which only the
  // post-upgrade hook does: it deadlocks. The README documents hookOnly (default) or legacy.
  const wait = ['--wait=legacy'];
  let watch: Watch;
  const ourPods = new OurPodsRecorder(testbed().kubeconfig, ns);

  beforeAll(async () => {
    await ourPods.start();
    // Helm 4 server-side applies crds/ and conflicts with a CRD another manager created (here:
    // earlier Helm 3 tests); a fresh Helm 4 install starts without it.
    await kubectl(['delete', 'crd', 'onloads.onload.amd.com', '--ignore-not-found']);
    watch = await watchInvariants({ namespace: ns, maxOutOfService: 1, sfcEnabled: true });
  });
  afterAll(async () => {
    ourPods.stop();
    await watch.observer.stop();
  });

  it('installs with --wait=legacy and waits for every node to have the driver', async () => {
    const result = await upgradeInstall(r, valuesFor('1.0.0'), wait);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expectAllOn(ns, '1.0.0');
    expect((await onloadCr(r)).status?.phase).toBe('Ready');
    expectRealPods(ourPods);
    await applyWorkloads();
  });

  it('upgrades with --wait=legacy through the ordered rollout', async () => {
    const result = await upgradeInstall(r, valuesFor('2.0.0'), wait);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expectAllOn(ns, '2.0.0');
    await waitWorkloadsReady();
    await watch.observer.settle();
    expect([...watch.checker.evictions.values()].every((e) => e.viaApi)).toBe(true);
    expect(watch.checker.evictions.size).toBeGreaterThan(0);
    expect(watch.checker.violations).toEqual([]);
  });

  it('uninstalls cleanly', async () => {
    watch.checker.watchRollout(false);
    await deleteWorkloads();
    const result = await uninstall(r);
    expect(result.code).toBe(0);
    await expectClean(ns);
  });
});

describe('Argo CD', () => {
  const ns = 'onload-argocd';
  // Argo CD renders with Helm 3 and applies the manifests itself; no Helm release exists.
  const r = release('onload', ns, 3);
  const app = new ArgoCdApp(r.kubeconfig, ns);
  let watch: Watch;
  const ourPods = new OurPodsRecorder(testbed().kubeconfig, ns);

  beforeAll(async () => {
    await ourPods.start();
    await kubectl(['create', 'namespace', ns]);
    watch = await watchInvariants({ namespace: ns, maxOutOfService: 1, sfcEnabled: true });
  });
  afterAll(async () => {
    ourPods.stop();
    await watch.observer.stop();
  });

  it('syncs a fresh install: PreSync freezes the nodes, PostSync waits for the drivers', async () => {
    const synced = await app.sync(await template(r, valuesFor('1.0.0')));
    expect(synced).toEqual({ ok: true, phase: 'PostSync', message: 'synced' });
    await expectAllOn(ns, '1.0.0');
    expect((await onloadCr(r)).status?.phase).toBe('Ready');
    expect((await helm(3, ['list', '-n', ns, '-q'])).stdout.trim()).toBe('');
    expectRealPods(ourPods);
    await applyWorkloads();
  });

  it('syncs an upgrade: the same hooks decide from cluster state and roll the nodes in order', async () => {
    const synced = await app.sync(await template(r, valuesFor('2.0.0')));
    expect(synced).toEqual({ ok: true, phase: 'PostSync', message: 'synced' });
    await expectAllOn(ns, '2.0.0');
    await waitWorkloadsReady();
    await watch.observer.settle();
    expect(watch.checker.evictions.size).toBeGreaterThan(0);
    expect(watch.checker.violations).toEqual([]);
  });

  it('a sync with nothing changed is a quick no-op', async () => {
    const synced = await app.sync(await template(r, valuesFor('2.0.0')));
    expect(synced.ok).toBe(true);
    await expectAllOn(ns, '2.0.0');
    await watch.observer.settle();
    expect(watch.checker.violations).toEqual([]);
  });

  it('deleting the Application (PreDelete, delete, PostDelete) leaves the nodes clean', async () => {
    watch.checker.watchRollout(false);
    await deleteWorkloads();
    const deleted = await app.deleteApp(await template(r, valuesFor('2.0.0')));
    expect(deleted).toEqual({ ok: true, phase: 'PostDelete', message: 'deleted' });
    await expectClean(ns);
  });
});
