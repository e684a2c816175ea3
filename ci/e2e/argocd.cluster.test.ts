// End to end with a real Argo CD (built from Go modules, running against the test bed): an
// Application whose source is a git repository of charts/onload, with the resources finalizer.
// Sync for install, a version change rolled out node by node by the PostSync hook (checked by the
// same invariant watcher as the Helm e2e), a sync with nothing changed, a failed rollout and its
// retry, and deletion (PreDelete ended early as Argo CD's cache race does, the uninstall guard
// holding the cascade). The scenarios build on each other.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { componentObjectName, stateLabel, uninstallGuard } from '../../hooks/src/contract.ts';
import { endPreDeleteEarly, sampleUninstall } from './argocd-early-predelete.ts';
import { progressTo } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { startArgoCd, type ArgoCd } from '../testbed/argocd/start.ts';
import { kubectl, kubectlJson, setKmmFault, testbed } from '../testbed/session.ts';
import {
  chartRepository,
  createApplication,
  deleteApplication,
  getApplication,
  setValues,
  sync,
  type SyncOutcome,
} from './argocd.ts';
import {
  applyWorkloads,
  deleteWorkloads,
  waitNodesClean,
  loadedVersions,
  nodes,
  onloadCr,
  ourMarks,
  release,
  selectedNodes,
  waitForNodeState,
  waitWorkloadsReady,
  watchInvariants,
  type Watch,
} from './scenario.ts';
import { expectRealPods } from './expect-real-pods.ts';
import { hooksImageOf, OurPodsRecorder, realNodeValues } from './real-node.ts';
import { merge, onloadValues, type Values } from './values.ts';

const ns = 'onload-argocd';
const app = 'onload';
/** The chart's fullname: Argo CD's Helm release is named after the Application, which holds "onload". */
const fullname = app;
const r = release(app, ns, 3);
const progress = progressTo('argocd e2e');
// The hook Jobs and the labeller run as real containers of this run's image on the real node.
const hooksImage = hooksImageOf(testbed());
const valuesFor = (version: string, extra: Values = {}): Values =>
  onloadValues(version, merge(realNodeValues(hooksImage), extra));
const ourPods = new OurPodsRecorder(testbed().kubeconfig, ns);

let argo: ArgoCd;
let repoURL: string;
let watch: Watch;
let selected: string[];

async function expectAllOn(version: string): Promise<void> {
  const versions = await loadedVersions(ns);
  for (const node of selected)
    expect([node, versions[node]]).toEqual([
      node,
      { onload: version, sfc: version, wanted: version },
    ]);
}

/** The termination message of the (last) pod of a hook Job. */
async function terminationMessage(jobName: string): Promise<string> {
  const pods = await kubectlJson<{
    items: {
      status?: { containerStatuses?: { state?: { terminated?: { message?: string } } }[] };
    }[];
  }>(['get', 'pods', '-n', ns, '-l', `job-name=${jobName}`]);
  return pods.items
    .flatMap((p) => p.status?.containerStatuses ?? [])
    .map((c) => c.state?.terminated?.message ?? '')
    .join('\n');
}

function report(what: string, outcome: SyncOutcome | number): void {
  const seconds = typeof outcome === 'number' ? outcome : outcome.seconds;
  progress(`Argo CD ${argo.version}: ${what} took ${seconds.toFixed(1)} s`);
}

beforeAll(async () => {
  await ourPods.start();
  argo = await startArgoCd(testbed(), progress);
  report('start (redis, repo-server, application-controller)', argo.startSeconds);
  repoURL = await chartRepository(testbed().stateDir);
  selected = await selectedNodes();
  watch = await watchInvariants({ namespace: ns, maxOutOfService: 1, sfcEnabled: true });
});

afterAll(async () => {
  ourPods.stop();
  await watch.observer.stop();
  await argo.stop();
});

describe(`Argo CD (real application-controller and repo-server)`, () => {
  it('1. a sync installs: PreSync freezes the nodes, PostSync waits until every node serves', async () => {
    await createApplication({ name: app, namespace: ns, repoURL, values: valuesFor('1.0.0') });
    const synced = await sync(app);
    report('install sync', synced);
    expect([synced.phase, synced.message]).toEqual(['Succeeded', expect.any(String)]);
    const hooks = synced.resources.filter((s) => s.hookType).map((s) => [s.hookType, s.kind]);
    expect(hooks).toEqual(
      expect.arrayContaining([
        ['PreSync', 'Job'],
        ['PostSync', 'Job'],
      ]),
    );
    await expectAllOn('1.0.0');
    expect((await onloadCr(r)).status?.phase).toBe('Ready');
    expectRealPods(ourPods, hooksImage);
    await applyWorkloads();
  });

  it('2. a version change is rolled out node by node by the PostSync hook', async () => {
    await setValues(app, valuesFor('2.0.0'));
    const synced = await sync(app);
    report('upgrade sync', synced);
    expect(synced.phase).toBe('Succeeded');
    await expectAllOn('2.0.0');
    await waitWorkloadsReady();
    await watch.observer.settle();
    expect(watch.checker.evictions.size).toBeGreaterThan(0);
    expect([...watch.checker.evictions.values()].every((e) => e.viaApi)).toBe(true);
    expect(watch.checker.violations).toEqual([]);
    expect((await getApplication(app)).status?.sync?.status).toBe('Synced');
  });

  it('3. a sync with nothing changed touches no node', async () => {
    await watch.observer.settle();
    const before = await ourMarks(ns);
    const evictions = watch.checker.evictions.size;
    const synced = await sync(app);
    report('sync with nothing changed', synced);
    expect(synced.phase).toBe('Succeeded');
    await watch.observer.settle();
    expect(await ourMarks(ns)).toEqual(before);
    expect(watch.checker.evictions.size).toBe(evictions);
    expect(watch.checker.violations).toEqual([]);
  });

  it("4. a failed rollout fails the sync, naming the PostSync Job whose pod holds the hook's message; a retrying sync completes once the cause is fixed", async () => {
    const failing = selected[1] ?? '';
    const shortReload: Values = { upgrade: { timeouts: { driverReloadSeconds: 20 } } };
    await setKmmFault(failing, 'load', 'fail');
    await setValues(app, valuesFor('3.0.0', shortReload));
    const failed = await sync(app);
    report('failed upgrade sync', failed);
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toContain('one or more synchronization tasks completed unsuccessfully');
    // Argo CD names the failed PostSync Job and shows the Job's own condition; the hook's message
    // is the pod's termination message (kubectl describe, the Argo CD UI's view of the pod).
    const postHook = failed.resources.find((s) => s.hookType === 'PostSync' && s.kind === 'Job');
    expect(postHook).toMatchObject({ name: `${app}-post`, hookPhase: 'Failed' });
    progress(`failed PostSync Job as the Application shows it: ${JSON.stringify(postHook)}`);
    const hookMessage = await terminationMessage(`${app}-post`);
    progress(`its pod's termination message: ${hookMessage}`);
    expect(hookMessage).toContain(failing);
    const cr = await onloadCr(r);
    expect(cr.status?.phase).toBe('Failed');
    expect(cr.status?.failedNodes?.map((f) => f.name)).toEqual([failing]);
    expect((await nodes()).find((n) => n.name === failing)?.labels[stateLabel(ns)]).toBe(
      'upgrade-failed',
    );
    await waitWorkloadsReady();

    // Argo CD's retry (syncPolicy.retry / `argocd app sync --retry-limit`) re-runs the hooks.
    const retrying = sync(app, { retryLimit: 5 });
    await waitFor(
      'the first attempt of the retrying sync to fail',
      async () => ((await getApplication(app)).status?.operationState?.retryCount ?? 0) >= 1,
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    await setKmmFault(failing, 'load', undefined);
    const retried = await retrying;
    report('retrying upgrade sync (one failed attempt, then fixed)', retried);
    expect(retried.phase).toBe('Succeeded');
    await expectAllOn('3.0.0');
    expect((await onloadCr(r)).status).toMatchObject({ phase: 'Ready', failedNodes: [] });
    await waitForNodeState(ns, failing, 'upgrade-done');
    await waitWorkloadsReady();
    await watch.observer.settle();
    expect(watch.checker.violations).toEqual([]);
  });

  it('5. deleting the Application: even when Argo CD ends PreDelete before the Job ran (its cache race), the uninstall guard holds every deletion until pre-delete has cleaned the nodes; nothing of ours left', async () => {
    watch.checker.watchRollout(false);
    await deleteWorkloads();
    const deletion = deleteApplication(app);
    const names = {
      guard: componentObjectName(fullname, uninstallGuard.suffix),
      job: componentObjectName(fullname, 'pre-delete'),
    };
    await endPreDeleteEarly(app, ns, names.job);
    const samples = await sampleUninstall(ns, names, deletion);
    report('delete (PreDelete ended early, guarded cascade, hook clean-up)', await deletion);
    const held = samples.filter((s) => s.cascading && s.guardHeld);
    const heldFor = (held.at(-1)?.at ?? 0) - (held[0]?.at ?? 0);
    progress(
      `the uninstall guard, deleted by Argo CD, held the cascade for ${(heldFor / 1000).toFixed(1)} s (${held.length} of ${samples.length} samples)`,
    );
    // Argo CD deleted the guard while pre-delete still ran, and deleted nothing else while it held.
    expect(samples.some((s) => s.cascading && s.guardHeld && s.preDeleteRunning)).toBe(true);
    expect(samples.filter((s) => s.modulesGoing && s.guardHeld)).toEqual([]);
    await waitNodesClean(ns);
    const leftovers = async (): Promise<string> => {
      const inNamespace = await kubectl([
        'get',
        'pods,jobs,daemonsets,deployments,configmaps,serviceaccounts,roles,rolebindings,leases,modules,onloads',
        '-n',
        ns,
        '-l',
        `app.kubernetes.io/instance=${app}`,
        '-o',
        'name',
      ]);
      const clusterWide = await kubectl([
        'get',
        'clusterroles,clusterrolebindings',
        '-l',
        `app.kubernetes.io/instance=${app}`,
        '-o',
        'name',
      ]);
      const ofNamespace = clusterWide.stdout
        .split('\n')
        .filter((line) => line.includes(`/${ns}-`))
        .join('\n');
      const pods = await kubectl(['get', 'pods', '-n', ns, '-o', 'name']);
      return [inNamespace.stdout, ofNamespace, pods.stdout].join('\n').trim();
    };
    await waitFor('nothing of the Application left', async () => (await leftovers()) === '', {
      timeoutMs: 120_000,
      describe: leftovers,
    });
    expect(await leftovers()).toBe('');
    await watch.observer.settle();
    expect(watch.checker.violations).toEqual([]);
  });
});
