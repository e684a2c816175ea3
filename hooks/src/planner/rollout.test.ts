import { describe, expect, it } from '@jest/globals';
import {
  kmmVersionLabel,
  nodeAnnotation,
  pausedLabel,
  skipLabel,
  stateLabel,
} from '../contract.ts';
import { formatTime } from '../model/node-facts.ts';
import {
  consumer,
  module,
  node,
  ns,
  policy,
  metricsPod,
  services,
  servicesInInit,
  snapshot,
  t0,
  worker,
  expanded,
  type Expanded,
} from '../testing/fixtures.ts';
import { planRollout } from './rollout.ts';
import type { Action, RolloutPlan } from './types.ts';

type NodePatch = Expanded<Extract<Action, { kind: 'patch-node' }>>;

function patchOf(plan: RolloutPlan, name: string): NodePatch | undefined {
  return expanded(plan.actions).find(
    (a): a is NodePatch => a.kind === 'patch-node' && a.node === name,
  );
}

function started(plan: RolloutPlan): string[] {
  return expanded(plan.actions)
    .filter((a): a is NodePatch => a.kind === 'patch-node' && a.labels[pausedLabel(ns)] === 'true')
    .map((a) => a.node);
}

const onloadKey = kmmVersionLabel(ns, 'onload');
const sfcKey = kmmVersionLabel(ns, 'sfc');
const stateKey = stateLabel(ns);
const pauseKey = pausedLabel(ns);
const since = t0 - 10_000;

describe('planRollout: starting nodes', () => {
  it('starts one node by name within maxParallelUpgrades and marks the others upgrade-required', () => {
    const plan = planRollout(
      snapshot({
        nodes: [
          node('b', { version: 'v1', loaded: 'v1' }),
          node('a', { version: 'v1', loaded: 'v1' }),
        ],
      }),
      policy({ maxParallel: 1, maxUnavailable: 2 }),
    );
    expect(started(plan)).toEqual(['a']);
    const start = patchOf(plan, 'a');
    expect(start?.labels[stateKey]).toBe('stopping-device-plugin');
    expect(start?.annotations[nodeAnnotation(ns, 'target')]).toBe('v2');
    expect(start?.transition?.to).toBe('stopping-device-plugin');
    expect(patchOf(plan, 'b')?.labels[stateKey]).toBe('upgrade-required');
    expect(plan.watchPods).toEqual(['a']);
    expect(plan.outcome).toBeUndefined();
  });

  it('starts nodes before marking the waiting ones, so a long queue does not delay the first', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((n) => node(n, { version: 'v1', loaded: 'v1' }));
    const plan = planRollout(snapshot({ nodes }), policy({ maxParallel: 1, maxUnavailable: 4 }));
    expect(
      expanded(plan.actions).map((a) =>
        a.kind === 'patch-node' ? `${a.node}:${a.labels[stateKey]}` : '',
      ),
    ).toEqual([
      'a:stopping-device-plugin',
      'b:upgrade-required',
      'c:upgrade-required',
      'd:upgrade-required',
    ]);
  });

  it('counts maxUnavailable as a percentage of the selected nodes, rounded up, including NotReady nodes', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].map((n) => node(n, { version: 'v1', loaded: 'v1' }));
    const plan = planRollout(
      snapshot({ nodes }),
      policy({ maxParallel: 5, maxUnavailable: '30%' }),
    );
    expect(started(plan)).toEqual(['a', 'b']);

    const withDown = [node('z', { version: 'v2', loaded: 'v2', ready: false }), ...nodes];
    const plan2 = planRollout(
      snapshot({ nodes: withDown }),
      policy({ maxParallel: 5, maxUnavailable: '30%' }),
    );
    expect(started(plan2)).toEqual(['a']);
  });

  it('never starts a node that is NotReady or cordoned, and reports it', () => {
    const plan = planRollout(
      snapshot({
        nodes: [
          node('a', { version: 'v1', loaded: 'v1', ready: false }),
          node('b', { version: 'v1', loaded: 'v1', unschedulable: true }),
        ],
      }),
      policy({ maxUnavailable: 5 }),
    );
    expect(started(plan)).toEqual([]);
    expect(plan.outcome?.kind).toBe('blocked');
    expect(plan.outcome?.message).toContain('a (NotReady)');
    expect(plan.outcome?.message).toContain('b (cordoned)');
    expect(plan.outcome?.message).toContain(skipLabel);
  });

  it('orders canary node names first, then the canary selector, then the rest, and holds the rest until canaries are done', () => {
    const nodes = [
      node('a', { version: 'v1', loaded: 'v1' }),
      node('b', { version: 'v1', loaded: 'v1', labels: { canary: 'yes' } }),
      node('c', { version: 'v1', loaded: 'v1' }),
      node('z', { version: 'v1', loaded: 'v1' }),
    ];
    const p = policy({
      maxParallel: 4,
      maxUnavailable: 4,
      canaryNames: ['z'],
      canarySelector: { canary: 'yes' },
    });
    const plan = planRollout(snapshot({ nodes }), p);
    expect(started(plan)).toEqual(['z', 'b']);
    expect(plan.reports.filter((r) => r.canary).map((r) => r.name)).toEqual(['z', 'b']);
  });

  it('pauses after the canaries when asked, once per version', () => {
    const nodes = [
      node('a', { version: 'v1', loaded: 'v1' }),
      node('z', { version: 'v2', loaded: 'v2', allocatable: 10, state: 'upgrade-done' }),
    ];
    const p = policy({ canaryNames: ['z'], pauseAfter: true, maxUnavailable: 2 });
    const plan = planRollout(snapshot({ nodes, releasePods: services('z') }), p);
    expect(plan.actions).toContainEqual(
      expect.objectContaining({ kind: 'pause-rollout', version: 'v2' }),
    );
    expect(started(plan)).toEqual([]);
    expect(plan.outcome?.kind).toBe('paused');

    const resumed = planRollout(
      snapshot({ nodes, releasePods: services('z'), cr: { paused: false, canaryDone: 'v2' } }),
      p,
    );
    expect(started(resumed)).toEqual(['a']);
  });

  it('starts nothing while the Onload resource carries the pause annotation and ends saying how many nodes are left', () => {
    const nodes = [
      node('a', { version: 'v1', loaded: 'v1' }),
      node('b', { version: 'v1', loaded: 'v1' }),
    ];
    const plan = planRollout(snapshot({ nodes, cr: { paused: true } }), policy());
    expect(started(plan)).toEqual([]);
    expect(plan.outcome).toEqual(expect.objectContaining({ kind: 'paused', left: 2 }));
    expect(plan.outcome?.message).toContain('paused, 2 node(s) left');
  });

  it('never touches nodes with the skip label', () => {
    const plan = planRollout(
      snapshot({
        nodes: [node('a', { version: 'v1', loaded: 'v1', labels: { [skipLabel]: 'true' } })],
      }),
      policy(),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.reports[0]?.category).toBe('skipped');
    expect(plan.outcome?.kind).toBe('complete');
  });

  it('stops starting nodes when less than one node worst case is left before the deadline', () => {
    const plan = planRollout(
      snapshot({ nodes: [node('a', { version: 'v1', loaded: 'v1' })], deadlineAt: t0 + 1_000_000 }),
      policy(),
    );
    expect(started(plan)).toEqual([]);
    expect(plan.outcome).toEqual(expect.objectContaining({ kind: 'deadline', left: 1 }));
    expect(plan.outcome?.message).toContain('out of time');
    expect(plan.outcome?.message).toContain('1 node(s) left: a (runs onload v1, wants v2)');
  });

  it('names every node left, with its versions, when the deadline comes mid-upgrade', () => {
    const plan = planRollout(
      snapshot({
        nodes: [
          node('a', { version: 'v1', loaded: 'v1', paused: true, state: 'evicting', since: t0 }),
          node('b', { version: 'v1', loaded: 'v1' }),
        ],
        deadlineAt: t0 + 10_000,
      }),
      policy(),
    );
    expect(plan.outcome).toEqual(
      expect.objectContaining({ kind: 'deadline', left: 2, inFlight: ['a'] }),
    );
    expect(plan.outcome?.message).toContain(
      '2 node(s) left: a (runs onload v1, wants v2), b (runs onload v1, wants v2)',
    );
  });

  it('retries nodes that failed in an earlier run before new ones, from where they are', () => {
    const failed = node('b', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      state: 'upgrade-failed',
      since: t0 - 3_600_000,
      annotations: { [nodeAnnotation(ns, 'reason')]: 'EvictionTimeout' },
    });
    const plan = planRollout(
      snapshot({ nodes: [node('a', { version: 'v1', loaded: 'v1' }), failed] }),
      policy({ maxUnavailable: 1 }),
    );
    const patch = patchOf(plan, 'b');
    expect(patch?.labels[stateKey]).toBe('stopping-device-plugin');
    expect(patch?.annotations[nodeAnnotation(ns, 'reason')]).toBeNull();
    expect(patch?.transition?.from).toBe('upgrade-failed');
    expect(started(plan)).toEqual(['b']);
  });

  it('declares the run superseded when the Module no longer has the desired version', () => {
    const plan = planRollout(
      snapshot({
        nodes: [node('a', { version: 'v1' })],
        modules: { onload: module('onload', 'v3'), sfc: module('sfc', 'v3') },
      }),
      policy(),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.outcome?.kind).toBe('superseded');
    expect(plan.outcome?.message).toContain('has version v3, not v2');
  });
});

describe('planRollout: one node through the rollout', () => {
  const p = policy();
  const paused = { paused: true, since } as const;

  it('evicts the consumers while the device plugin and control plane pods leave, relabelling nothing', () => {
    const n = node('a', {
      version: 'v1',
      loaded: 'v1',
      ...paused,
      state: 'stopping-device-plugin',
    });
    const pods = [...services('a', 'v1'), consumer('app', 'a')];
    const plan = planRollout(
      snapshot({ nodes: [n], nodePods: new Map([['a', pods]]), releasePods: services('a', 'v1') }),
      p,
    );
    expect(expanded(plan.actions)).toEqual([
      { kind: 'evict', node: 'a', pod: expect.objectContaining({ name: 'app' }) },
    ]);
    expect(plan.reports[0]?.state).toBe('stopping-device-plugin');
    expect(plan.reports[0]?.step).toContain(
      'device plugin / control plane / metrics pods to leave',
    );
    expect(plan.reports[0]?.step).toContain('meanwhile evicting 1 pod(s)');
    expect(plan.wakeAt).toBe(since + 300_000);
  });

  it('keeps waiting for the device plugin once the consumers are gone, and reloads only after it', () => {
    const n = node('a', {
      version: 'v1',
      loaded: 'v1',
      ...paused,
      state: 'stopping-device-plugin',
    });
    const plan = planRollout(
      snapshot({
        nodes: [n],
        nodePods: new Map([['a', services('a', 'v1')]]),
        releasePods: services('a', 'v1'),
      }),
      p,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.reports[0]?.step).not.toContain('meanwhile');
  });

  it('waits for the metrics pod to leave too: its orm_json runs hold the driver', () => {
    const n = node('a', {
      version: 'v1',
      loaded: 'v1',
      ...paused,
      state: 'stopping-device-plugin',
    });
    const plan = planRollout(
      snapshot({
        nodes: [n],
        nodePods: new Map([['a', [metricsPod('a')]]]),
        releasePods: [metricsPod('a')],
      }),
      p,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.reports[0]?.step).toContain(`pods to leave: ${ns}/onload-metrics-a`);
  });

  it('fails a node whose device plugin does not leave in time, keeping it paused', () => {
    const n = node('a', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      since: t0 - 301_000,
      state: 'stopping-device-plugin',
    });
    const plan = planRollout(
      snapshot({ nodes: [n], nodePods: new Map([['a', services('a', 'v1')]]) }),
      p,
    );
    const patch = patchOf(plan, 'a');
    expect(patch?.labels).toEqual({ [stateKey]: 'upgrade-failed' });
    expect(patch?.annotations[nodeAnnotation(ns, 'reason')]).toBe('DevicePluginStopTimeout');
    expect(patch?.transition?.warning).toBe(true);
    expect(plan.outcome?.kind).toBe('failed');
  });

  it('evicts pods using amd.com/onload or matching the podSelector, never our own, KMM or skip-labelled pods', () => {
    const n = node('a', {
      version: 'v1',
      loaded: 'v1',
      ...paused,
      state: 'stopping-device-plugin',
    });
    const pods = [
      consumer('uses', 'a'),
      consumer('skip', 'a', { labels: { 'onload.amd.com/evict-skip': 'true' } }),
      consumer('done', 'a', { phase: 'Succeeded' }),
      worker('a', 'onload', { usesOnload: true }),
      consumer('hook', 'a', {
        labels: { 'app.kubernetes.io/name': 'onload', 'app.kubernetes.io/component': 'hook' },
      }),
      consumer('leaving', 'a', { deleting: true }),
      { ...consumer('extra', 'a', { labels: { app: 'trader' } }), usesOnload: false },
      { ...consumer('other', 'a', { labels: { app: 'web' } }), usesOnload: false },
    ];
    const plan = planRollout(
      snapshot({ nodes: [n], nodePods: new Map([['a', pods]]) }),
      policy({ podSelector: 'app=trader' }),
    );
    expect(plan.actions.flatMap((a) => (a.kind === 'evict' ? [a.pod.name] : []))).toEqual([
      'uses',
      'extra',
    ]);
    expect(patchOf(plan, 'a')?.labels[stateKey]).toBe('evicting');
    expect(patchOf(plan, 'a')?.labels[onloadKey]).toBeUndefined();
  });

  it('does not re-evict a pod a budget refused until the retry delay, and names the budget when it times out', () => {
    const n = node('a', { version: 'v1', loaded: 'v1', paused: true, since, state: 'evicting' });
    const app = consumer('app', 'a');
    const evictions = new Map([
      [app.uid, { at: t0 - 1_000, outcome: 'blocked' as const, budgets: ['apps/app-pdb'] }],
    ]);
    const plan = planRollout(
      snapshot({ nodes: [n], nodePods: new Map([['a', [app]]]), evictions }),
      p,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.wakeAt).toBe(t0 + 4_000);

    const late = node('a', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      since: t0 - 300_000,
      state: 'evicting',
    });
    const failed = planRollout(
      snapshot({ nodes: [late], nodePods: new Map([['a', [app]]]), evictions }),
      p,
    );
    const message = patchOf(failed, 'a')?.annotations[nodeAnnotation(ns, 'message')] ?? '';
    expect(message).toContain('apps/app');
    expect(message).toContain('blocked by PodDisruptionBudget apps/app-pdb');
    expect(failed.outcome?.kind).toBe('failed');
  });

  it('deletes the remaining pods after the eviction timeout only with eviction.force', () => {
    const late = node('a', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      since: t0 - 300_000,
      state: 'evicting',
    });
    const app = consumer('app', 'a');
    const plan = planRollout(
      snapshot({ nodes: [late], nodePods: new Map([['a', [app]]]) }),
      policy({ force: true }),
    );
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        kind: 'delete-pod',
        pod: expect.objectContaining({ name: 'app' }),
      }),
    );
    expect(plan.outcome).toBeUndefined();
  });

  it('relabels in dependency order: onload out, then sfc, then onload in', () => {
    const step = (opts: Parameters<typeof node>[1]): NodePatch | undefined =>
      patchOf(
        planRollout(
          snapshot({
            nodes: [node('a', { ...paused, state: 'reloading-driver', ...opts })],
            nodePods: new Map([['a', []]]),
          }),
          p,
        ),
        'a',
      );

    expect(step({ version: 'v1', loaded: 'v1' })?.labels).toEqual({ [onloadKey]: null });
    // onload label gone, KMM still unloading: wait.
    expect(step({ onload: null, sfc: 'v1', loaded: 'v1' })).toBeUndefined();
    // onload unloaded; KMM >= 2.5 on the node: sfc straight to the new version.
    expect(step({ onload: null, sfc: 'v1', sfcLoaded: 'v1' })?.labels).toEqual({ [sfcKey]: 'v2' });
    // older KMM: remove sfc first to see it unload.
    expect(step({ onload: null, sfc: 'v1', sfcLoaded: 'v1', oldKmm: true })?.labels).toEqual({
      [sfcKey]: null,
    });
    expect(step({ onload: null, sfc: null })?.labels).toEqual({ [sfcKey]: 'v2' });
    // sfc set but not loaded yet: wait, onload stays out.
    expect(step({ onload: null, sfc: 'v2' })).toBeUndefined();
    expect(step({ onload: null, sfc: 'v2', sfcLoaded: 'v2' })?.labels).toEqual({
      [onloadKey]: 'v2',
    });
    // onload set, not loaded: still paused.
    expect(step({ version: 'v2', sfcLoaded: 'v2' })).toBeUndefined();
    const unpause = step({ version: 'v2', loaded: 'v2' });
    expect(unpause?.labels).toEqual({ [pauseKey]: null, [stateKey]: 'validating' });
  });

  it('without sfc, removes a leftover sfc label together with setting onload', () => {
    const n = node('a', {
      onload: null,
      sfc: 'v1',
      sfcLoaded: 'v1',
      ...paused,
      state: 'reloading-driver',
    });
    const plan = planRollout(
      snapshot({
        nodes: [n],
        nodePods: new Map([['a', []]]),
        modules: { onload: module('onload', 'v2') },
      }),
      policy({ sfcEnabled: false }),
    );
    expect(patchOf(plan, 'a')?.labels).toEqual({ [onloadKey]: 'v2', [sfcKey]: null });
  });

  it('on KMM < 2.5 requires having seen the unload and the NodeModulesConfig applied before unpausing', () => {
    const unloaded = { [nodeAnnotation(ns, 'unloaded')]: 'onload,sfc' };
    const n = (annotations: Record<string, string>) =>
      node('a', {
        version: 'v2',
        loaded: 'v2',
        oldKmm: true,
        ...paused,
        state: 'reloading-driver',
        annotations,
      });
    const noSfc = (annotations: Record<string, string>) =>
      node('a', {
        onload: 'v2',
        sfc: null,
        onloadLoaded: 'v2',
        oldKmm: true,
        ...paused,
        state: 'reloading-driver',
        annotations,
      });
    const noEvidence = planRollout(
      snapshot({ nodes: [noSfc({})], nodePods: new Map([['a', []]]) }),
      policy({ sfcEnabled: false }),
    );
    expect(patchOf(noEvidence, 'a')).toBeUndefined();
    expect(noEvidence.fetchNmc).toEqual([]);

    const needNmc = planRollout(
      snapshot({ nodes: [n(unloaded)], nodePods: new Map([['a', []]]) }),
      p,
    );
    expect(patchOf(needNmc, 'a')).toBeUndefined();
    expect(needNmc.fetchNmc).toEqual(['a']);

    const nmc = new Map([
      [
        'a',
        {
          modules: [
            { namespace: ns, name: 'onload', configApplied: true },
            { namespace: ns, name: 'sfc', configApplied: true },
          ],
        },
      ],
    ]);
    const ok = planRollout(
      snapshot({ nodes: [n(unloaded)], nodePods: new Map([['a', []]]), nmc }),
      p,
    );
    expect(patchOf(ok, 'a')?.labels[pauseKey]).toBeNull();
  });

  it('retries a failing KMM worker pod once, then fails the node', () => {
    const w = worker('a', 'onload', { restarts: 5, trouble: 'CrashLoopBackOff: modprobe failed' });
    const n1 = node('a', { version: 'v2', sfcLoaded: 'v2', ...paused, state: 'reloading-driver' });
    const first = planRollout(
      snapshot({ nodes: [n1], nodePods: new Map([['a', []]]), workerPods: [w] }),
      p,
    );
    expect(first.actions[0]).toEqual(
      expect.objectContaining({
        kind: 'delete-pod',
        pod: expect.objectContaining({ name: w.name }),
      }),
    );
    expect(patchOf(first, 'a')?.annotations[nodeAnnotation(ns, 'retried')]).toBe(formatTime(t0));

    const n2 = node('a', {
      version: 'v2',
      sfcLoaded: 'v2',
      ...paused,
      state: 'reloading-driver',
      annotations: { [nodeAnnotation(ns, 'retried')]: formatTime(t0) },
    });
    const again = worker('a', 'onload', {
      restarts: 4,
      trouble: 'CrashLoopBackOff',
      createdAt: t0 + 1_000,
    });
    const second = planRollout(
      snapshot({
        nodes: [n2],
        nodePods: new Map([['a', []]]),
        workerPods: [again],
        now: t0 + 60_000,
      }),
      p,
    );
    expect(patchOf(second, 'a')?.annotations[nodeAnnotation(ns, 'reason')]).toBe(
      'DriverLoadFailed',
    );
  });

  it.each([
    [
      'a module still in use',
      'CrashLoopBackOff: back-off restarting failed container worker: modprobe: FATAL: Module sfc is in use.',
    ],
    ['a failed image pull', 'ErrImagePull: failed to pull and unpack image'],
    ['an image pull back-off', 'ImagePullBackOff: Back-off pulling image'],
  ])('waits out %s (KMM and the kubelet retry it) until driverReloadSeconds', (_what, trouble) => {
    const w = worker('a', 'onload', { restarts: 5, trouble });
    const reloading = {
      version: 'v2',
      sfcLoaded: 'v2',
      ...paused,
      state: 'reloading-driver',
    } as const;
    const within = planRollout(
      snapshot({
        nodes: [node('a', { ...reloading, since: t0 - 590_000 })],
        nodePods: new Map([['a', []]]),
        workerPods: [w],
      }),
      p,
    );
    expect(within.actions.filter((a) => a.kind === 'delete-pod')).toEqual([]);
    expect(patchOf(within, 'a')?.annotations[nodeAnnotation(ns, 'reason')]).toBeUndefined();
    expect(within.reports.find((r) => r.name === 'a')?.step).toContain(trouble);

    const late = planRollout(
      snapshot({
        nodes: [
          node('a', {
            ...reloading,
            since: t0 - 601_000,
            annotations: { [nodeAnnotation(ns, 'retried')]: formatTime(t0 - 700_000) },
          }),
        ],
        nodePods: new Map([['a', []]]),
        workerPods: [w],
      }),
      p,
    );
    expect(patchOf(late, 'a')?.annotations[nodeAnnotation(ns, 'reason')]).toBe(
      'DriverReloadTimeout',
    );
    expect(patchOf(late, 'a')?.annotations[nodeAnnotation(ns, 'message')]).toContain(trouble);
  });

  it('times out a reload measured from the since annotation, naming the worker pods', () => {
    const n = node('a', {
      version: 'v2',
      sfcLoaded: 'v2',
      paused: true,
      state: 'reloading-driver',
      since: t0 - 601_000,
      annotations: { [nodeAnnotation(ns, 'retried')]: formatTime(t0 - 700_000) },
    });
    const plan = planRollout(snapshot({ nodes: [n], nodePods: new Map([['a', []]]) }), p);
    expect(patchOf(plan, 'a')?.annotations[nodeAnnotation(ns, 'reason')]).toBe(
      'DriverReloadTimeout',
    );
    expect(patchOf(plan, 'a')?.annotations[nodeAnnotation(ns, 'message')]).toContain(
      'no KMM worker pod',
    );
  });

  it('finishes when the device plugin and control plane are Ready with the new userland and the resource is allocatable', () => {
    const validating = { version: 'v2', loaded: 'v2', state: 'validating', since } as const;
    const waiting = planRollout(
      snapshot({ nodes: [node('a', validating)], releasePods: services('a') }),
      p,
    );
    expect(patchOf(waiting, 'a')).toBeUndefined();
    expect(waiting.reports[0]?.step).toContain('amd.com/onload not allocatable');

    const oldUserland = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, allocatable: 5 })],
        releasePods: services('a', 'v1'),
      }),
      p,
    );
    expect(oldUserland.reports[0]?.step).toContain('runs userland v1');

    const done = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, allocatable: 5 })],
        releasePods: services('a'),
      }),
      p,
    );
    expect(patchOf(done, 'a')?.labels[stateKey]).toBe('upgrade-done');
    expect(done.outcome?.kind).toBe('complete');
  });
});

describe('planRollout: a userland whose init step never passes', () => {
  const p = policy();
  const validating = { version: 'v2', loaded: 'v2', state: 'validating', allocatable: 5 } as const;
  const neverWill = 'in its init step for over 60s while KMM reports onload v2 loaded';
  const logs = `kubectl logs -n ${ns} device-plugin-a -c init says which`;

  it('says nothing of it within a minute of the driver loading, and looks again then', () => {
    const plan = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, since: t0 - 10_000 })],
        releasePods: servicesInInit('a', t0 - 9_000),
      }),
      p,
    );
    expect(plan.reports[0]?.step).toContain('device plugin pod device-plugin-a not Ready');
    expect(plan.reports[0]?.step).not.toContain('never');
    expect(plan.wakeAt).toBe(t0 - 9_000 + 60_000);
  });

  it('counts the minute from the driver load, not from an init step that started earlier', () => {
    const plan = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, since: t0 - 30_000 })],
        releasePods: servicesInInit('a', t0 - 600_000),
      }),
      p,
    );
    expect(plan.reports[0]?.step).not.toContain('never');
    expect(plan.wakeAt).toBe(t0 - 30_000 + 60_000);
  });

  it('says the driver and userland never will match once the step outlasts the minute, and fails the node with it at the validation timeout', () => {
    const waiting = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, since: t0 - 61_000 })],
        releasePods: servicesInInit('a', t0 - 60_000),
      }),
      p,
    );
    const step = waiting.reports[0]?.step ?? '';
    expect(step).toContain(`device plugin pod device-plugin-a, ${neverWill}`);
    expect(step).toContain(`control plane pod control-plane-a, ${neverWill}`);
    expect(step).toContain(
      'never will: this driver and onload.userImage are not the same Onload build',
    );
    expect(step).toContain(logs);
    expect(waiting.wakeAt).toBe(t0 - 61_000 + 300_000);

    // Once KMM no longer reports the driver loaded (a cordon unloads it), nothing is claimed.
    const unloaded = planRollout(
      snapshot({
        nodes: [node('a', { version: 'v2', state: 'validating', since: t0 - 61_000 })],
        releasePods: servicesInInit('a', t0 - 60_000),
      }),
      p,
    );
    expect(unloaded.reports[0]?.step).toContain('device plugin pod device-plugin-a not Ready');
    expect(unloaded.reports[0]?.step).not.toContain('never');

    const late = planRollout(
      snapshot({
        nodes: [node('a', { ...validating, since: t0 - 301_000 })],
        releasePods: servicesInInit('a', t0 - 300_000),
      }),
      p,
    );
    const message = patchOf(late, 'a')?.annotations[nodeAnnotation(ns, 'message')] ?? '';
    expect(message).toContain(
      `not serving within 300s: device plugin pod device-plugin-a, ${neverWill}`,
    );
    expect(late.outcome?.message).toContain(logs);
  });

  it('says so while an install waits for a node whose driver is loaded', () => {
    const loaded = node('a', { version: 'v2', loaded: 'v2', allocatable: 5 });
    const soon = planRollout(
      snapshot({ nodes: [loaded], releasePods: servicesInInit('a', t0 - 20_000) }),
      p,
    );
    expect(soon.reports[0]?.step).not.toContain('never');
    expect(soon.wakeAt).toBe(t0 - 20_000 + 60_000);

    const late = planRollout(
      snapshot({
        nodes: [loaded],
        releasePods: servicesInInit('a', t0 - 800_000),
        runStartedAt: t0 - 901_000,
      }),
      p,
    );
    expect(late.outcome?.kind).toBe('install-timeout');
    expect(late.outcome?.message).toContain(
      `a: waiting for device plugin pod device-plugin-a, ${neverWill}`,
    );
  });
});

describe('planRollout: failure policies', () => {
  const failedNow = node('a', {
    version: 'v1',
    loaded: 'v1',
    paused: true,
    since: t0 - 301_000,
    state: 'stopping-device-plugin',
  });
  const pending = node('b', { version: 'v1', loaded: 'v1' });

  it('Stop: starts nothing after a failure and fails the run', () => {
    const plan = planRollout(
      snapshot({ nodes: [failedNow, pending], nodePods: new Map([['a', services('a', 'v1')]]) }),
      policy({ maxUnavailable: 2 }),
    );
    expect(started(plan)).toEqual([]);
    expect(plan.outcome?.kind).toBe('failed');
    expect(plan.outcome?.message).toContain('a: DevicePluginStopTimeout');
  });

  it('Continue: carries on within maxUnavailable and fails at the end listing every failed node', () => {
    const p = policy({ maxUnavailable: 2, failurePolicy: 'Continue' });
    const plan = planRollout(
      snapshot({ nodes: [failedNow, pending], nodePods: new Map([['a', services('a', 'v1')]]) }),
      p,
    );
    expect(started(plan)).toEqual(['b']);
    expect(plan.outcome).toBeUndefined();

    const failedB = node('b', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      state: 'upgrade-failed',
      since: t0,
      annotations: { [nodeAnnotation(ns, 'reason')]: 'EvictionTimeout' },
    });
    const failedA = node('a', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      state: 'upgrade-failed',
      since: t0,
      annotations: { [nodeAnnotation(ns, 'reason')]: 'DevicePluginStopTimeout' },
    });
    const end = planRollout(snapshot({ nodes: [failedA, failedB] }), p);
    expect(end.outcome?.kind).toBe('failed');
    expect(end.failures.map((f) => f.name)).toEqual(['a', 'b']);
  });
});

describe('planRollout: install', () => {
  it('waits for nodes already at the desired version until they serve, bounded by installSeconds', () => {
    const n = node('a', { version: 'v2' });
    const waiting = planRollout(snapshot({ nodes: [n], runStartedAt: t0 - 1_000 }), policy());
    expect(waiting.actions).toEqual([]);
    expect(waiting.outcome).toBeUndefined();
    expect(waiting.reports[0]?.step).toContain('KMM to load onload');
    expect(waiting.wakeAt).toBe(t0 - 1_000 + 900_000);

    const late = planRollout(snapshot({ nodes: [n], runStartedAt: t0 - 901_000 }), policy());
    expect(late.outcome?.kind).toBe('install-timeout');
    expect(late.outcome?.message).toContain('a: waiting for KMM to load sfc');

    const serving = node('a', { version: 'v2', loaded: 'v2', allocatable: 3 });
    expect(
      planRollout(snapshot({ nodes: [serving], releasePods: services('a') }), policy()).outcome
        ?.kind,
    ).toBe('complete');
  });
});
