// The hook phases end to end against an in-memory cluster whose KMM, DaemonSets and workloads
// react like the real ones (testing/memory-kube.ts); the real API server is in *.cluster.test.ts.
import { describe, expect, it } from '@jest/globals';
import {
  canaryDoneAnnotation,
  componentObjectName,
  kmmReadyLabel,
  kmmVersionLabel,
  nodeAnnotation,
  pauseAnnotation,
  pausedLabel,
  rolloutLeaseName,
  skipLabel,
  stateLabel,
  uninstallGuard,
} from '../contract.ts';
import type { PdbView } from '../kube/port.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { podKey } from '../model/pods.ts';
import { fromMap } from '../kube/selectors.ts';
import { consumer, module, node, ns, pod, pullPod, release } from '../testing/fixtures.ts';
import type { MemoryKube } from '../testing/memory-kube.ts';
import { cluster, context, selectorLabel, spec } from '../testing/phase-setup.ts';
import { runLabeller } from './labeller.ts';
import { runPost } from './post.ts';
import { runPre } from './pre.ts';
import { runPreDelete } from './pre-delete.ts';

const strictBudget: PdbView = {
  namespace: 'apps',
  name: 'strict',
  selector: { requirements: [] },
  maxUnavailable: 0,
  disruptionsAllowed: 0,
};
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);

describe('post: the rollout', () => {
  it('upgrades every node in order, evicting consumers, and records it all', async () => {
    const kube = cluster({ nodes: names(3), from: 'v1', moduleVersion: 'v2', consumersPerNode: 1 });
    const ctx = context(kube, spec({ version: 'v2' }));
    const result = await runPost(ctx);
    expect(result).toEqual(expect.objectContaining({ exitCode: 0 }));
    expect(result.message).toContain('3/3 node(s) run onload v2');
    for (const n of kube.nodes.values()) {
      const f = readNodeFacts(n, ns);
      expect([f.modules.onload.label, f.modules.sfc.label, f.modules.onload.versionReady]).toEqual([
        'v2',
        'v2',
        'v2',
      ]);
      expect([f.paused, f.state]).toEqual([false, 'upgrade-done']);
      expect(n.onloadAllocatable).toBeGreaterThan(0);
    }
    expect([...kube.pods.values()].filter((p) => p.usesOnload)).toEqual([]);
    // Events only for what a user reads: the rollout's start and end, and its nodes started and
    // upgraded gathered into RolloutProgress Events, in order; no Node Event when nothing failed.
    expect(kube.events.map((e) => `${e.involved.kind} ${e.reason}: ${e.message}`)).toEqual([
      'Onload RolloutStarted: rollout to onload v2 started',
      'Onload RolloutProgress: started: node-0; 0/3 node(s) done',
      'Onload RolloutProgress: upgraded: node-0, node-1, node-2; 3/3 node(s) done',
      expect.stringMatching(/^Onload RolloutFinished: 3\/3 node\(s\) run onload v2/),
    ]);
    const status = kube.statuses.at(-1);
    expect(status).toEqual(
      expect.objectContaining({
        phase: 'Ready',
        desiredVersion: 'v2',
        versions: { v2: 3 },
        nodes: expect.objectContaining({ total: 3, upToDate: 3 }),
      }),
    );
    expect(status?.rollout).toEqual(
      expect.objectContaining({
        fromVersion: 'v1',
        toVersion: 'v2',
        finishedAt: expect.any(String),
      }),
    );
    expect(ctx.lines.some((l) => /\[onload v1 → v2\] 3\/3 done/.test(l))).toBe(true);
    expect(kube.leases.get('onload-rollout')?.view.holder).toBeUndefined();
  });

  it('costs at most 12 API requests per node, 8 of them writes (marginal, at 4 and 12 nodes)', async () => {
    // Each node: 8 patches (marked upgrade-required, then one per step: paused, evicting, onload
    // out, sfc relabelled, onload in, validating, done), one eviction, the list + watch of its
    // pods; Events and status writes are coalesced, so they hardly grow with the nodes.
    const requests = async (count: number): Promise<ReadonlyMap<string, number>> => {
      const kube = cluster({
        nodes: names(count),
        from: 'v1',
        moduleVersion: 'v2',
        consumersPerNode: 1,
      });
      expect(
        (
          await runPost(
            context(
              kube,
              spec({ version: 'v2', upgrade: { maxParallelUpgrades: 2, maxUnavailable: 2 } }),
            ),
          )
        ).exitCode,
      ).toBe(0);
      return kube.requests;
    };
    const [few, many] = [await requests(4), await requests(12)];
    const perNode = (...methods: string[]): number =>
      methods.reduce((sum, m) => sum + (many.get(m) ?? 0) - (few.get(m) ?? 0), 0) / 8;
    expect(perNode('patchNode', 'createEvent', 'patchOnloadStatus')).toBeLessThanOrEqual(8);
    expect(perNode(...new Set([...few.keys(), ...many.keys()]))).toBeLessThanOrEqual(12);
  }, 30_000);

  it('on KMM < 2.5 confirms the reload through the unload it saw and the NodeModulesConfig', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2', versionReady: false });
    const result = await runPost(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(0);
    expect(kube.requests.get('getNodeModulesConfig')).toBeGreaterThan(0);
    for (const n of kube.nodes.values()) expect(readNodeFacts(n, ns).state).toBe('upgrade-done');
  });

  it('stops at a node whose consumers a budget protects, names the budget, touches nothing else, exits non-zero', async () => {
    const kube = cluster({ nodes: names(3), from: 'v1', moduleVersion: 'v2', consumersPerNode: 1 });
    kube.evictionPolicy = (pod) =>
      pod.nodeName === 'node-1'
        ? {
            kind: 'blocked',
            budgets: ['apps/web-pdb'],
            message: 'would violate the disruption budget',
          }
        : { kind: 'evicted' };
    const result = await runPost(
      context(kube, spec({ version: 'v2', timeouts: { evictionSeconds: 1 } })),
    );
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('node-1: EvictionTimeout');
    expect(result.message).toContain('apps/web-pdb');
    const [a, b, c] = ['node-0', 'node-1', 'node-2'].map((n) =>
      readNodeFacts(kube.nodes.get(n) ?? node(n), ns),
    );
    expect(a?.state).toBe('upgrade-done');
    expect([b?.state, b?.paused, b?.modules.onload.label]).toEqual(['upgrade-failed', true, 'v1']);
    expect(b?.reason).toBe('EvictionTimeout');
    expect([c?.state, c?.paused, c?.modules.onload.label]).toEqual([
      'upgrade-required',
      false,
      'v1',
    ]);
    expect(kube.statuses.at(-1)).toEqual(
      expect.objectContaining({
        phase: 'Failed',
        failedNodes: [expect.objectContaining({ name: 'node-1', reason: 'EvictionTimeout' })],
      }),
    );
    const told = (): string[] =>
      kube.events.map((e) => `${e.involved.kind} ${e.involved.name} ${e.type} ${e.reason}`);
    expect(told()).toEqual([
      'Onload onload Normal RolloutStarted',
      'Onload onload Normal RolloutProgress',
      'Onload onload Normal RolloutProgress',
      'Onload onload Warning NodeUpgradeFailed',
      'Node node-1 Warning OnloadUpgrade',
      'Onload onload Warning RolloutFailed',
    ]);
    expect(kube.events.find((e) => e.involved.kind === 'Node')?.message).toMatch(
      /^evicting → upgrade-failed: EvictionTimeout: .*apps\/web-pdb/,
    );
    expect(kube.events[2]?.message).toBe('upgraded: node-0; started: node-1; 1/3 node(s) done');

    // The budget relents; the next run retries node-1 from where it is and finishes.
    kube.evictionPolicy = () => ({ kind: 'evicted' });
    const before = kube.events.length;
    const again = await runPost(context(kube, spec({ version: 'v2' })));
    expect(again.exitCode).toBe(0);
    expect(readNodeFacts(kube.nodes.get('node-1') ?? node('x'), ns).state).toBe('upgrade-done');
    expect(told().slice(before)).toEqual([
      'Node node-1 Normal OnloadUpgrade',
      'Onload onload Normal RolloutProgress',
      'Onload onload Normal RolloutProgress',
      'Onload onload Normal RolloutFinished',
    ]);
    expect(kube.events.slice(before, -1).map((e) => e.message)).toEqual([
      expect.stringMatching(/^upgrade-failed → stopping-device-plugin: retrying the upgrade/),
      'started: node-1 (retry); 1/3 node(s) done',
      'upgraded: node-1, node-2; 3/3 node(s) done',
    ]);
  });

  it('fails a node whose driver does not load after one worker retry, keeping it paused', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2', broken: ['node-0'] });
    const result = await runPost(
      context(kube, spec({ version: 'v2', timeouts: { driverReloadSeconds: 1 } })),
    );
    expect(result.exitCode).toBe(1);
    const f = readNodeFacts(kube.nodes.get('node-0') ?? node('x'), ns);
    expect([f.state, f.paused, f.reason]).toEqual(['upgrade-failed', true, 'DriverReloadTimeout']);
    expect(readNodeFacts(kube.nodes.get('node-1') ?? node('x'), ns).modules.onload.label).toBe(
      'v1',
    );
  });

  it('ends successfully when paused, saying how many nodes are left, and resumes later', async () => {
    const kube = cluster({ nodes: names(3), from: 'v1', moduleVersion: 'v2' });
    kube.putOnload({
      name: 'onload',
      uid: 'cr-uid',
      generation: 1,
      annotations: { [pauseAnnotation]: 'true' },
    });
    const paused = await runPost(context(kube, spec({ version: 'v2' })));
    expect(paused.exitCode).toBe(0);
    expect(paused.message).toContain('paused, 3 node(s) left');
    expect([...kube.nodes.values()].every((n) => !readNodeFacts(n, ns).paused)).toBe(true);
    kube.putOnload({ name: 'onload', uid: 'cr-uid', generation: 1, annotations: {} });
    expect((await runPost(context(kube, spec({ version: 'v2' })))).exitCode).toBe(0);
  });

  it('pauses after the canary nodes once, then continues with the rest when resumed', async () => {
    const kube = cluster({ nodes: names(3), from: 'v1', moduleVersion: 'v2' });
    const s = spec({
      version: 'v2',
      upgrade: { canary: { nodeNames: ['node-2'], nodeSelector: {}, pauseAfter: true } },
    });
    const first = await runPost(context(kube, s));
    expect(first.exitCode).toBe(0);
    expect(first.message).toContain('paused, 2 node(s) left');
    expect(readNodeFacts(kube.nodes.get('node-2') ?? node('x'), ns).state).toBe('upgrade-done');
    expect(readNodeFacts(kube.nodes.get('node-0') ?? node('x'), ns).modules.onload.label).toBe(
      'v1',
    );
    expect(kube.onload?.annotations).toEqual({
      [pauseAnnotation]: 'true',
      [canaryDoneAnnotation]: 'v2',
    });
    kube.putOnload({
      name: 'onload',
      uid: 'cr-uid',
      generation: 1,
      annotations: { [canaryDoneAnnotation]: 'v2' },
    });
    expect((await runPost(context(kube, s))).exitCode).toBe(0);
    expect([...kube.nodes.values()].map((n) => readNodeFacts(n, ns).state)).toEqual([
      'upgrade-done',
      'upgrade-done',
      'upgrade-done',
    ]);
  });

  it('stops at a safe point on SIGTERM, leaving the node where it is, and the next run resumes it', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2', consumersPerNode: 1 });
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: ['apps/pdb'], message: 'not now' });
    const ctx = context(kube, spec({ version: 'v2' }));
    const running = runPost(ctx);
    const until = Date.now() + 5_000;
    while (
      readNodeFacts(kube.nodes.get('node-0') ?? node('x'), ns).state !== 'evicting' &&
      Date.now() < until
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    ctx.run.stop();
    const stopped = await running;
    expect(stopped.exitCode).toBe(143);
    expect(stopped.message).toContain('mid-upgrade: node-0');
    const f = readNodeFacts(kube.nodes.get('node-0') ?? node('x'), ns);
    expect([f.state, f.paused, f.modules.onload.label]).toEqual(['evicting', true, 'v1']);
    expect(kube.leases.get('onload-rollout')?.view.holder).toBeUndefined();

    kube.evictionPolicy = () => ({ kind: 'evicted' });
    expect((await runPost(context(kube, spec({ version: 'v2' })))).exitCode).toBe(0);
    expect([...kube.nodes.values()].map((n) => readNodeFacts(n, ns).state)).toEqual([
      'upgrade-done',
      'upgrade-done',
    ]);
  });

  it('does not start a node when less than its worst case is left before the Job deadline, and fails naming the nodes left', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2' });
    const result = await runPost(context(kube, spec({ version: 'v2' }), 200));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain(
      '2 node(s) left: node-0 (runs onload v1, wants v2), node-1 (runs onload v1, wants v2)',
    );
    expect(kube.events.at(-1)?.reason).toBe('RolloutFailed');
    expect(
      [...kube.nodes.values()].every((n) => readNodeFacts(n, ns).modules.onload.label === 'v1'),
    ).toBe(true);
  });

  it('on install only waits until every node serves the new version', async () => {
    const kube = cluster({ nodes: names(2), moduleVersion: 'v2' });
    for (const name of names(2))
      kube.editNode(name, (n) => ({
        labels: {
          ...n.labels,
          [kmmVersionLabel(ns, 'onload')]: 'v2',
          [kmmVersionLabel(ns, 'sfc')]: 'v2',
        },
      }));
    const result = await runPost(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(0);
    expect(kube.requests.get('evictPod')).toBeUndefined();
    expect(kube.statuses.at(-1)).toEqual(expect.objectContaining({ phase: 'Ready' }));
    expect([...kube.nodes.values()].every((n) => readNodeFacts(n, ns).state === undefined)).toBe(
      true,
    );
  });

  it('refuses to touch a node when the new image does not exist', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2' });
    kube.mics.set('onload', { images: [{ image: 'img:v2', state: 'DoesNotExist' }] });
    const result = await runPost(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('img:v2 does not exist');
    expect(kube.requests.get('patchNode')).toBeUndefined();
  });

  describe("KMM's image-pull pods (KMM >= 2.4)", () => {
    const image = 'img:v2-5.14.0';
    const pullPodName = 'onload-pull-pod-x7k2p';
    const withPullPod = (waiting?: { reason: string; message?: string }) => {
      const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2' });
      kube.putModule({
        ...module('onload', 'v2'),
        imageTemplates: ['img:v2-${KERNEL_FULL_VERSION}'],
      });
      kube.mics.set('onload', { images: [{ image }] });
      kube.putPodImages(pullPod('onload', image, waiting ? { waiting } : {}));
      return kube;
    };
    const onloadLabels = (kube: MemoryKube): string[] =>
      [...kube.nodes.values()].map((n) => `${n.name}=${n.labels[kmmVersionLabel(ns, 'onload')]}`);

    it('fails before any node is touched when the pull pod reports ErrImagePull, naming the image and the cause', async () => {
      const message = `failed to pull and unpack image "${image}": not found`;
      const kube = withPullPod({ reason: 'ErrImagePull', message });
      const labelsBefore = onloadLabels(kube);
      const result = await runPost(context(kube, spec({ version: 'v2' })));
      expect(result.exitCode).toBe(1);
      expect(result.message).toContain(`Module ${ns}/onload`);
      expect(result.message).toContain(
        `${image} (KMM's pull pod ${ns}/${pullPodName}: ErrImagePull: ${message})`,
      );
      expect(result.message).toContain('No node was touched');
      expect(kube.requests.get('patchNode')).toBeUndefined();
      expect(kube.requests.get('listPodImages')).toBe(1);
      expect(onloadLabels(kube)).toEqual(labelsBefore);
      expect(kube.events.at(-1)).toEqual(
        expect.objectContaining({ reason: 'RolloutFailed', message: result.message }),
      );
    });

    it('waits while the pull pod runs, saying so, and rolls out once KMM says the image Exists', async () => {
      const kube = withPullPod({ reason: 'ContainerCreating' });
      const ctx = context(kube, spec({ version: 'v2' }));
      const fastPolls = {
        ...ctx,
        clock: { ...ctx.clock, sleep: (ms: number) => ctx.clock.sleep(Math.min(ms, 50)) },
      };
      const running = runPost(fastPolls);
      const said = `${image} not checked yet (pull pod ${pullPodName} ContainerCreating)`;
      const until = Date.now() + 5_000;
      while (!ctx.lines.some((l) => l.includes(said)) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(kube.requests.get('patchNode')).toBeUndefined();
      kube.mics.set('onload', { images: [{ image, state: 'Exists' }] });
      kube.removePod(`${ns}/${pullPodName}`);
      const result = await running;
      expect(result.exitCode).toBe(0);
      expect(ctx.lines.filter((l) => l.includes(said))).toHaveLength(1);
      expect(onloadLabels(kube)).toEqual(['node-0=v2', 'node-1=v2']);
    });
  });

  it('waits for another run holding the lease, and takes over an expired one', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v2' });
    await kube.writeLease(ns, 'onload-rollout', {
      holder: 'host:other:1',
      durationSeconds: 120,
      acquiredAt: Date.now(),
      renewedAt: Date.now(),
      transitions: 0,
    });
    const held = await runPost(context(kube, spec({ version: 'v2' }), 40));
    expect(held.exitCode).toBe(1);
    expect(held.message).toContain('host:other:1');
    await kube.writeLease(
      ns,
      'onload-rollout',
      { holder: 'host:other:1', durationSeconds: 1, acquiredAt: 0, renewedAt: 0, transitions: 0 },
      '',
    );
    const ctx = context(kube, spec({ version: 'v2' }));
    expect((await runPost(ctx)).exitCode).toBe(0);
    expect(ctx.lines.some((l) => l.includes('took over the rollout'))).toBe(true);
  });
});

describe('pre: preflight and freeze', () => {
  it('labels fresh nodes with the new version and keeps the version of labelled nodes', async () => {
    const kube = cluster({ nodes: ['old-0'], from: 'v1', moduleVersion: 'v1' });
    kube.putNode(node('fresh-0', { labels: { [selectorLabel]: 'true' } }));
    const result = await runPre(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(0);
    expect(result.message).toContain('1 keep their version (1 on v1), 1 newly labelled for v2');
    const fresh = readNodeFacts(kube.nodes.get('fresh-0') ?? node('x'), ns);
    expect([fresh.modules.onload.label, fresh.modules.sfc.label]).toEqual(['v2', 'v2']);
    expect(readNodeFacts(kube.nodes.get('old-0') ?? node('x'), ns).modules.onload.label).toBe('v1');
  });

  it('fails without touching anything when the onload Module has no version', async () => {
    const kube = cluster({ nodes: names(2) });
    kube.putModule({ ...module('onload', 'x'), version: undefined });
    const result = await runPre(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('without spec.moduleLoader.container.version');
    expect(kube.requests.get('patchNode')).toBeUndefined();
  });

  it('fails naming a budget that never allows evicting consumers on nodes to upgrade', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1', consumersPerNode: 1 });
    kube.pdbs = [strictBudget];
    const result = await runPre(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('PodDisruptionBudget apps/strict (maxUnavailable 0)');
  });

  it('with upgrade.eviction.force, lets the upgrade past a budget that never allows an eviction; the rollout deletes the pods', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v2', consumersPerNode: 1 });
    kube.pdbs = [strictBudget];
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: ['apps/strict'], message: 'no' });
    const forced = spec({
      version: 'v2',
      upgrade: { eviction: { podSelector: '', force: true } },
      timeouts: { evictionSeconds: 1 },
    });
    const pre = context(kube, forced);
    expect(await runPre(pre)).toEqual(expect.objectContaining({ exitCode: 0 }));
    expect(pre.lines.some((l) => l.includes('upgrade.eviction.force deletes'))).toBe(true);
    expect(await runPost(context(kube, forced))).toEqual(expect.objectContaining({ exitCode: 0 }));
    expect(kube.requests.get('deletePod')).toBe(1);
    expect(readNodeFacts(kube.nodes.get('node-0') ?? node('x'), ns).state).toBe('upgrade-done');
  });

  it('leaves a node labelled upgrade-skip out of the budget check and of the rollout', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v2' });
    kube.putPod(consumer('app', 'node-0'));
    kube.editNode('node-0', (n) => ({ labels: { ...n.labels, [skipLabel]: 'true' } }));
    kube.pdbs = [strictBudget];
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: ['apps/strict'], message: 'no' });
    expect(await runPre(context(kube, spec({ version: 'v2' })))).toEqual(
      expect.objectContaining({ exitCode: 0 }),
    );
    expect(await runPost(context(kube, spec({ version: 'v2' })))).toEqual(
      expect.objectContaining({ exitCode: 0 }),
    );
    const [skipped, upgraded] = ['node-0', 'node-1'].map((n) =>
      readNodeFacts(kube.nodes.get(n) ?? node(n), ns),
    );
    expect([skipped?.modules.onload.label, skipped?.paused]).toEqual(['v1', false]);
    expect(upgraded?.modules.onload.label).toBe('v2');
    expect(kube.requests.get('evictPod')).toBeUndefined();
  });

  it('fails on leftovers of the Go operator', async () => {
    const kube = cluster({ nodes: names(1) });
    kube.editNode('node-0', (n) => ({
      labels: { ...n.labels, 'onload.amd.com/default.onload': '3.0' },
    }));
    kube.deployments = [
      {
        namespace: 'onload-operator-system',
        name: 'onload-operator-controller-manager',
        replicas: 1,
      },
    ];
    const result = await runPre(context(kube, spec({ version: 'v2' })));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('onload-operator-system/onload-operator-controller-manager');
    expect(result.message).toContain('onload.amd.com/default.onload');
  });
});

describe('pre-delete', () => {
  const guardKey = `${ns}/${componentObjectName('onload', uninstallGuard.suffix)}`;

  it('pre-delete evicts every pod using Onload', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v1', consumersPerNode: 2 });
    const ctx = context(kube, spec({ version: 'v1' }));
    const result = await runPreDelete(ctx);
    expect(result.exitCode).toBe(0);
    expect([...kube.pods.values()].filter((p) => p.usesOnload)).toEqual([]);
    expect(ctx.lines.some((l) => l.includes('UNINSTALL: evicting 4 pod(s)'))).toBe(true);
  });

  it('pre-delete fails, naming the pods, when a budget keeps them', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1', consumersPerNode: 1 });
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: ['apps/pdb'], message: 'no' });
    const result = await runPreDelete(
      context(
        kube,
        spec({ version: 'v1', timeouts: { devicePluginStopSeconds: 1, evictionSeconds: 1 } }),
      ),
    );
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain(
      'apps/app-node-0-0 on node-0 (blocked by PodDisruptionBudget apps/pdb)',
    );
  });

  it('pre-delete refuses before evicting anything when a budget would keep some pods, and says how to recover the release', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v1' });
    kube.putPod(consumer('bare', 'node-0'));
    const web = { labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web-1' } };
    kube.putPod(consumer('web-a', 'node-1', web));
    kube.pdbs = [
      {
        namespace: 'apps',
        name: 'web-pdb',
        selector: fromMap({ app: 'web' }),
        minAvailable: 1,
        disruptionsAllowed: 0,
      },
    ];
    kube.evictionPolicy = (pod) =>
      pod.labels['app'] === 'web'
        ? { kind: 'blocked', budgets: ['apps/web-pdb'], message: 'no' }
        : { kind: 'evicted' };
    const result = await runPreDelete(
      context(
        kube,
        spec({ version: 'v1', timeouts: { devicePluginStopSeconds: 1, evictionSeconds: 1 } }),
      ),
    );
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain('PodDisruptionBudget apps/web-pdb');
    expect(result.message).toContain('apps/web-a on node-1');
    expect(result.message).toContain('Nothing was uninstalled and nothing was evicted');
    expect(result.message).toContain(`helm rollback ${release} <revision> -n ${ns}`);
    expect(kube.requests.get('evictPod')).toBeUndefined();
    expect(kube.requests.get('removeConfigMapFinalizer')).toBeUndefined();
    expect(kube.pods.get('apps/bare')?.deleting).toBe(false);
    for (const n of kube.nodes.values()) expect(readNodeFacts(n, ns).paused).toBe(false);
  });

  it('pre-delete leaves the nodes clean once the driver is unloaded: labeller stopped first, our labels, annotations and the rollout Lease gone', async () => {
    const kube = cluster({ nodes: names(2), from: 'v1', moduleVersion: 'v1', consumersPerNode: 1 });
    kube.editNode('node-0', (n) => ({
      labels: { ...n.labels, [stateLabel(ns)]: 'upgrade-done' },
      annotations: { [nodeAnnotation(ns, 'target')]: 'v1' },
    }));
    const labeller = componentObjectName('onload', 'labeller');
    kube.deployments = [{ namespace: ns, name: labeller, replicas: 1 }];
    kube.configMapFinalizers.set(guardKey, [uninstallGuard.finalizer, 'other.example.com/keep']);
    const labellerPod = pod(`${labeller}-abc`, 'node-1', {
      namespace: ns,
      labels: { 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'labeller' },
    });
    kube.putPod(labellerPod);
    const scale = kube.scaleDeployment.bind(kube);
    const order: string[] = [];
    kube.scaleDeployment = async (namespace, name, replicas) => {
      order.push(`scale ${name} ${replicas}`);
      const found = await scale(namespace, name, replicas);
      setTimeout(() => {
        order.push('labeller pod gone');
        kube.removePod(podKey(labellerPod));
      }, 50);
      return found;
    };
    const patchNode = kube.patchNode.bind(kube);
    kube.patchNode = (name, patch, rv) => {
      if (patch.labels?.[pausedLabel(ns)] === null) order.push(`clean ${name}`);
      return patchNode(name, patch, rv);
    };
    const result = await runPreDelete(context(kube, spec({ version: 'v1' })));
    expect(result.exitCode).toBe(0);
    expect(result.message).toContain(
      `the Onload labels and annotations of namespace ${ns} removed from 2 node(s)`,
    );
    expect(kube.deployments).toEqual([{ namespace: ns, name: labeller, replicas: 0 }]);
    expect(order.slice(0, 2)).toEqual([`scale ${labeller} 0`, 'labeller pod gone']);
    expect(order.slice(2).sort()).toEqual(['clean node-0', 'clean node-1']);
    for (const n of kube.nodes.values()) {
      expect(Object.keys(n.labels).filter((k) => k.includes(ns))).toEqual([]);
      expect(n.annotations).toEqual({});
    }
    expect(await kube.getLease(ns, rolloutLeaseName(release))).toBeUndefined();
    expect(kube.configMapFinalizers.get(guardKey)).toEqual(['other.example.com/keep']);
  });

  it('pre-delete fails, naming the command, when it cannot release the uninstall guard', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1' });
    kube.removeConfigMapFinalizer = () => Promise.reject(new Error('configmaps is forbidden'));
    const result = await runPreDelete(context(kube, spec({ version: 'v1' })));
    expect(result.exitCode).toBe(1);
    expect(result.message).toContain(
      `the uninstall guard could not be released (configmaps is forbidden), so the release's objects cannot be deleted; run: kubectl patch configmap onload-uninstall-guard -n ${ns} --type=merge -p '{"metadata":{"finalizers":null}}'`,
    );
  });

  it('pre-delete keeps the labels that hold the labeller off when it does not stop, and says how to remove them', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1' });
    const labeller = componentObjectName('onload', 'labeller');
    kube.deployments = [{ namespace: ns, name: labeller, replicas: 1 }];
    kube.putPod(
      pod(`${labeller}-abc`, 'node-0', {
        namespace: ns,
        labels: {
          'app.kubernetes.io/instance': release,
          'app.kubernetes.io/component': 'labeller',
        },
      }),
    );
    const ctx = context(kube, spec({ version: 'v1', timeouts: { devicePluginStopSeconds: 1 } }));
    const result = await runPreDelete(ctx);
    expect(result.exitCode).toBe(0);
    expect(result.message).toContain(
      'the labeller did not stop within 1s (spec.upgrade.timeouts.devicePluginStopSeconds)',
    );
    expect(result.message).toContain(`kubectl label nodes --all `);
    expect(result.message).toContain(` ${pausedLabel(ns)}- `);
    expect(result.message).toContain(
      `kubectl annotate nodes --all ${nodeAnnotation(ns, 'since')}- `,
    );
    const kept = kube.nodes.get('node-0');
    expect(kept && readNodeFacts(kept, ns).paused).toBe(true);
  });

  it("pre-delete deletes the release's last helm test pod, no other release's", async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1' });
    const testPod = (instance: string) =>
      pod(`${instance}-test`, 'node-0', {
        namespace: ns,
        phase: 'Succeeded',
        labels: {
          'app.kubernetes.io/instance': instance,
          'app.kubernetes.io/component': 'test',
        },
      });
    kube.putPod(testPod(release));
    kube.putPod(testPod('other'));
    const result = await runPreDelete(context(kube, spec({ version: 'v1' })));
    expect(result.exitCode).toBe(0);
    const left = [...kube.pods.values()].filter((p) => p.namespace === ns && !p.deleting);
    expect(left.map((p) => p.name)).toEqual(['other-test']);
  });

  it('pre-delete still succeeds when the helm test pod cannot be deleted, saying how to remove it', async () => {
    const kube = cluster({ nodes: names(1), from: 'v1', moduleVersion: 'v1' });
    kube.deletePod = () => Promise.reject(new Error('pods is forbidden'));
    kube.putPod(
      pod(`${release}-test`, 'node-0', {
        namespace: ns,
        phase: 'Failed',
        labels: { 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'test' },
      }),
    );
    const ctx = context(kube, spec({ version: 'v1' }));
    const result = await runPreDelete(ctx);
    expect(result.exitCode).toBe(0);
    expect(ctx.lines.join('\n')).toContain(
      `could not delete the helm test pod (pods is forbidden); remove it with: kubectl delete pod -n ${ns} -l app.kubernetes.io/instance=${release},app.kubernetes.io/component=test`,
    );
  });
});

describe('labeller', () => {
  it('labels nodes that join with the live Module version, cleans nodes that leave, never touches others', async () => {
    const kube = cluster({ nodes: ['stays', 'leaves'], from: 'v1', moduleVersion: 'v1' });
    const ctx = context(kube, spec({ version: 'v1' }));
    const running = runLabeller(ctx);
    kube.putNode(node('joins', { labels: { [selectorLabel]: 'true' } }));
    kube.editNode('leaves', (n) => ({
      labels: Object.fromEntries(Object.entries(n.labels).filter(([k]) => k !== selectorLabel)),
    }));
    kube.putNode(
      node('mid-rollout', {
        labels: { [selectorLabel]: 'true' },
        paused: true,
        state: 'reloading-driver',
      }),
    );
    const until = Date.now() + 5_000;
    const joined = (): boolean =>
      kube.nodes.get('joins')?.labels[kmmVersionLabel(ns, 'onload')] === 'v1';
    const left = (): boolean =>
      kube.nodes.get('leaves')?.labels[kmmVersionLabel(ns, 'onload')] === undefined;
    while ((!joined() || !left()) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    ctx.run.stop();
    expect((await running).exitCode).toBe(0);
    expect(kube.nodes.get('joins')?.labels[kmmVersionLabel(ns, 'sfc')]).toBe('v1');
    expect(left()).toBe(true);
    expect(kube.nodes.get('stays')?.labels[kmmVersionLabel(ns, 'onload')]).toBe('v1');
    expect(kube.nodes.get('mid-rollout')?.labels[kmmVersionLabel(ns, 'onload')]).toBeUndefined();
    expect(kube.nodes.get('joins')?.labels[kmmReadyLabel(ns, 'onload')]).toBe('');
  });

  it('serves per-node rollout metrics from what it watches, on its own /metrics port', async () => {
    const kube = cluster({ nodes: ['a', 'b'], from: 'v1', moduleVersion: 'v2' });
    const ctx = context(kube, spec({ version: 'v2' }));
    const running = runLabeller({ ...ctx, config: { ...ctx.config, metricsPort: 0 } });
    const portLine = async (): Promise<number> => {
      const until = Date.now() + 5_000;
      for (;;) {
        const m = /serving \/metrics on port (\d+)/.exec(ctx.lines.join('\n'));
        if (m) return Number(m[1]);
        if (Date.now() > until) throw new Error('no metrics port in the log');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const url = `http://127.0.0.1:${await portLine()}/metrics`;
    let text = '';
    const until = Date.now() + 5_000;
    while (!text.includes('onload_rollout_selected_nodes 2') && Date.now() < until) {
      text = await (await fetch(url)).text();
      await new Promise((r) => setTimeout(r, 50));
    }
    ctx.run.stop();
    expect((await running).exitCode).toBe(0);
    expect(text).toContain('onload_rollout_selected_nodes 2');
    expect(text).toContain('onload_module_target_version_info{module="onload",version="v2"} 1');
    expect(text).toContain(
      'onload_node_desired_version_info{node="a",module="onload",version="v1"} 1',
    );
    expect(text).toContain('onload_node_version_skew{node="b",module="onload"} 1');
    expect(text).toContain('onload_rollout_up_to_date_nodes 0');
    await expect(fetch(url)).rejects.toThrow();
  });
});
