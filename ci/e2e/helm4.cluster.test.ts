// The same install → upgrade with Helm 4, in the --wait mode the README documents. The hook Jobs
// and the labeller run as real containers on the test bed's real node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kubectl, testbed } from '../testbed/session.ts';
import { helmComplaints, uninstall, upgradeInstall } from './release.ts';
import {
  applyWorkloads,
  deleteWorkloads,
  waitNodesClean,
  loadedVersions,
  onloadCr,
  release,
  selectedNodes,
  waitWorkloadsReady,
  watchInvariants,
  type Watch,
} from './scenario.ts';
import { expectRealPods } from './expect-real-pods.ts';
import { hooksImageOf, OurPodsRecorder, realNodeValues } from './real-node.ts';
import { onloadValues, type Values } from './values.ts';

const hooksImage = hooksImageOf(testbed());
const valuesFor = (version: string): Values => onloadValues(version, realNodeValues(hooksImage));

async function expectAllOn(namespace: string, version: string): Promise<void> {
  const versions = await loadedVersions(namespace);
  for (const node of await selectedNodes()) {
    expect([node, versions[node]]).toEqual([
      node,
      { onload: version, sfc: version, wanted: version },
    ]);
  }
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
    expect(helmComplaints(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    await expectAllOn(ns, '1.0.0');
    expect((await onloadCr(r)).status?.phase).toBe('Ready');
    expectRealPods(ourPods, hooksImage);
    await applyWorkloads();
  });

  it('upgrades with --wait=legacy through the ordered rollout', async () => {
    const result = await upgradeInstall(r, valuesFor('2.0.0'), wait);
    expect(helmComplaints(result.stderr)).toEqual([]);
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
    await waitNodesClean(ns);
  });
});
