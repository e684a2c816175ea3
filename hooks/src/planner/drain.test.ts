import { describe, expect, it } from '@jest/globals';
import { kmmVersionLabel, pausedLabel } from '../contract.ts';
import { consumer, expanded, nodeFacts, ns, policy, t0 } from '../testing/fixtures.ts';
import { planDrain, planRestore, type DrainInput } from './drain.ts';
import type { PodView } from '../kube/port.ts';
import type { Action } from './types.ts';

const p = policy({
  timeouts: { devicePluginStopSeconds: 10, evictionSeconds: 20, driverReloadSeconds: 30 },
});
const app = consumer('app', 'a');
const base = { now: t0, startedAt: t0, policy: p, evictions: new Map(), budgetsChecked: true };
const patches = (actions: readonly Action[]) =>
  expanded(actions).flatMap((a) => (a.kind === 'patch-node' ? [[a.node, a.labels]] : []));

describe('pre-delete drain', () => {
  it('pauses nodes first', () => {
    const plan = planDrain({
      ...base,
      nodes: [nodeFacts('a', { version: 'v1', loaded: 'v1' })],
      nodePods: new Map(),
    });
    expect(patches(plan.actions)).toEqual([['a', { [pausedLabel(ns)]: 'true' }]]);
    expect(plan.done).toBe(false);
  });

  it('evicts consumers of a paused node before touching its driver', () => {
    const a = nodeFacts('a', { version: 'v1', loaded: 'v1', paused: true });
    const plan = planDrain({ ...base, nodes: [a], nodePods: new Map([['a', [app]]]) });
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'evict',
        pod: expect.objectContaining({ name: 'app' }) as unknown,
      }),
    ]);
    expect(plan.done).toBe(false);
  });

  it('evicts nothing until the budgets were checked, asked for once every node is paused and observed', () => {
    const unchecked = { ...base, budgetsChecked: false };
    const half = planDrain({
      ...unchecked,
      nodes: [nodeFacts('a', { version: 'v1', paused: true }), nodeFacts('b', { version: 'v1' })],
      nodePods: new Map([['a', [app]]]),
    });
    expect([half.actions.map((a) => a.kind), half.checkBudgets]).toEqual([
      ['patch-node'],
      undefined,
    ]);
    const all = planDrain({
      ...unchecked,
      nodes: [nodeFacts('a', { version: 'v1', paused: true })],
      nodePods: new Map([['a', [app]]]),
    });
    expect([all.actions, all.checkBudgets]).toEqual([[], true]);
  });

  it('evicts a pod without a controller only once no other pod is left', () => {
    const owned = consumer('web', 'a', { owner: { kind: 'ReplicaSet', name: 'web-1' } });
    const step = (pods: PodView[]) =>
      planDrain({
        ...base,
        nodes: [nodeFacts('a', { version: 'v1', paused: true })],
        nodePods: new Map([['a', pods]]),
      }).actions.map((a) => (a.kind === 'evict' ? a.pod.name : a.kind));
    expect(step([app, owned])).toEqual(['web']);
    expect(step([app, { ...owned, deleting: true }])).toEqual([]);
    expect(step([app])).toEqual(['app']);
  });

  it('then unloads onload before sfc, and is done when KMM reports both unloaded', () => {
    const step = (o: Parameters<typeof nodeFacts>[1]) =>
      planDrain({
        ...base,
        nodes: [nodeFacts('a', { paused: true, ...o })],
        nodePods: new Map([['a', []]]),
      } satisfies DrainInput);
    expect(patches(step({ version: 'v1', loaded: 'v1' }).actions)).toEqual([
      ['a', { [kmmVersionLabel(ns, 'onload')]: null }],
    ]);
    expect(step({ onload: null, sfc: 'v1', loaded: 'v1' }).actions).toEqual([]);
    expect(patches(step({ onload: null, sfc: 'v1', sfcLoaded: 'v1' }).actions)).toEqual([
      ['a', { [kmmVersionLabel(ns, 'sfc')]: null }],
    ]);
    expect(step({ onload: null, sfc: null, sfcLoaded: 'v1' }).done).toBe(false);
    expect(step({ onload: null, sfc: null }).done).toBe(true);
  });

  it('unloads no driver while a pod still uses Onload on any node', () => {
    const plan = planDrain({
      ...base,
      nodes: [
        nodeFacts('a', { version: 'v1', loaded: 'v1', paused: true }),
        nodeFacts('b', { version: 'v1', loaded: 'v1', paused: true }),
      ],
      nodePods: new Map([
        ['a', []],
        ['b', [consumer('app', 'b')]],
      ]),
    });
    expect(patches(plan.actions)).toEqual([]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'evict' })]);
  });

  it('is not done before every node was observed', () => {
    expect(
      planDrain({ ...base, nodes: [nodeFacts('a', { paused: true })], nodePods: new Map() }).done,
    ).toBe(false);
  });

  it('fails after the eviction timeouts naming pods and budgets; with force it deletes them first', () => {
    const evictions = new Map([
      [app.uid, { at: t0 + 29_000, outcome: 'blocked' as const, budgets: ['apps/pdb'] }],
    ]);
    const late = {
      now: t0 + 30_000,
      startedAt: t0,
      nodes: [nodeFacts('a', { paused: true })],
      nodePods: new Map([['a', [app]]]),
      evictions,
      budgetsChecked: true,
    };
    const failed = planDrain({ ...late, policy: p });
    expect(failed.failure).toContain('apps/app on a (blocked by PodDisruptionBudget apps/pdb)');
    const forced = planDrain({
      ...late,
      policy: policy({
        timeouts: { devicePluginStopSeconds: 10, evictionSeconds: 20 },
        force: true,
      }),
    });
    expect(forced.failure).toBeUndefined();
    expect(forced.actions).toEqual([expect.objectContaining({ kind: 'delete-pod' })]);
  });

  it('on a refused uninstall, resumes the device plugin where the driver is untouched', () => {
    const blocked = new Map([
      [app.uid, { at: t0 + 29_000, outcome: 'blocked' as const, budgets: ['apps/pdb'] }],
    ]);
    const nodes = [
      nodeFacts('a', { version: 'v1', loaded: 'v1', paused: true }),
      nodeFacts('b', { version: 'v1', loaded: 'v1', paused: true, state: 'upgrade-failed' }),
      nodeFacts('c', { onload: null, paused: true }),
    ];
    const plan = planDrain({
      ...base,
      now: t0 + 30_000,
      evictions: blocked,
      nodes,
      nodePods: new Map([
        ['a', [app]],
        ['b', []],
        ['c', []],
      ]),
    });
    expect(plan.failure).toContain(
      'Nothing was uninstalled; the device plugin returns to 1 node(s)',
    );
    expect(plan.actions).toEqual([]);
    expect(patches(planRestore(nodes))).toEqual([['a', { [pausedLabel(ns)]: null }]]);
  });

  it('reports nodes KMM does not unload in time, without failing the uninstall', () => {
    const stuck = nodeFacts('a', { paused: true, onload: null, sfc: null, onloadLoaded: 'v1' });
    const plan = planDrain({
      ...base,
      now: t0 + 61_000,
      nodes: [stuck],
      nodePods: new Map([['a', []]]),
    });
    expect(plan.done).toBe(true);
    expect(plan.warning).toContain('did not unload onload/sfc within 30s on a');
  });
});
