// spec.tolerations of the KMM Modules (moduleTolerations): by default a cordon and NotReady /
// unreachable nodes are tolerated, so that KMM does not unload Onload from them; only where KMM
// has the field (>= 2.3): `auto` asks the cluster's Module CRD (a lookup, stubbed here), `always`
// and `never` do not ask.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { kmmModuleApi } from '../../../hooks/src/contract.ts';
import { kmm22ModuleCrd, withModuleTolerations } from './lib/kmm-module-crd.ts';
import { chartWithModuleCrd } from './lib/lookup-stub.ts';
import { daemonSet, kmmModule, podSpec, type Manifest } from './lib/manifests.ts';
import { helmMajors, render } from './lib/render.ts';

/** A toleration as the chart renders it (plain object, not the client's model class). */
type Toleration = Readonly<Record<'key' | 'operator', string> & { effect?: string }>;

// not-ready and unreachable with every effect: their NoSchedule taints come first.
const defaults: readonly Toleration[] = [
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists' },
];
const maintenance: Toleration = {
  key: 'example.com/maintenance',
  operator: 'Exists',
  effect: 'NoExecute',
};
const modules = ['onload', 'sfc'];
const agents = ['onload-device-plugin', 'onload-control-plane'];

/** spec.tolerations of each Module, undefined where the field is absent. */
function moduleTolerations(objects: readonly Manifest[]): (readonly object[] | undefined)[] {
  return modules.map((name) => kmmModule(objects, name).spec.tolerations);
}

let kmm23Chart: string;
let kmm22Chart: string;
let noKmmChart: string;

beforeAll(async () => {
  const kmm22 = await kmm22ModuleCrd();
  kmm22Chart = await chartWithModuleCrd(kmm22);
  kmm23Chart = await chartWithModuleCrd(withModuleTolerations(kmm22));
  noKmmChart = await chartWithModuleCrd(undefined);
}, 120_000);

describe.each(helmMajors)('KMM Module tolerations, Helm %i', (helmMajor) => {
  it('auto, on a cluster whose Module CRD has spec.tolerations (KMM >= 2.3): both Modules tolerate a cordon and NotReady/unreachable nodes, then tolerations', async () => {
    const objects = await render({ variant: 'minimal', helmMajor, chart: kmm23Chart });
    expect(moduleTolerations(objects)).toEqual([defaults, defaults]);
    // the version whose schema was asked about is the one the Modules are applied as
    for (const name of modules)
      expect(kmmModule(objects, name).apiVersion).toBe(
        `${kmmModuleApi.group}/${kmmModuleApi.version}`,
      );
    const withMaintenance = await render({
      variant: 'minimal',
      helmMajor,
      chart: kmm23Chart,
      overrides: { tolerations: [maintenance] },
    });
    expect(moduleTolerations(withMaintenance)).toEqual([
      [...defaults, maintenance],
      [...defaults, maintenance],
    ]);
  });

  it('auto, on KMM 2.2 (its Module CRD has no spec.tolerations): no Module gets the field, even with tolerations, which the pods still get', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      chart: kmm22Chart,
      overrides: { tolerations: [maintenance] },
    });
    expect(moduleTolerations(objects)).toEqual([undefined, undefined]);
    for (const name of agents)
      expect(podSpec(daemonSet(objects, name)).tolerations).toEqual([maintenance]);
  });

  it('auto, without a cluster to ask (helm template, Argo CD) or without KMM: none, unless tolerations is set (which needed KMM >= 2.3 before)', async () => {
    for (const chart of [undefined, noKmmChart]) {
      const plain = await render({ variant: 'minimal', helmMajor, ...(chart ? { chart } : {}) });
      expect(moduleTolerations(plain)).toEqual([undefined, undefined]);
    }
    const given = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { tolerations: [maintenance] },
    });
    expect(moduleTolerations(given)).toEqual([
      [...defaults, maintenance],
      [...defaults, maintenance],
    ]);
  });

  it('always: the defaults without asking the cluster, each toleration once', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: {
        moduleTolerations: { mode: 'always' },
        tolerations: [defaults[0], maintenance],
      },
    });
    expect(moduleTolerations(objects)).toEqual([
      [...defaults, maintenance],
      [...defaults, maintenance],
    ]);
    for (const name of agents)
      expect(podSpec(daemonSet(objects, name)).tolerations).toEqual([defaults[0], maintenance]);
  });

  it('never: no Module tolerations, even on KMM >= 2.3 with tolerations set', async () => {
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      chart: kmm23Chart,
      overrides: { moduleTolerations: { mode: 'never' }, tolerations: [maintenance] },
    });
    expect(moduleTolerations(objects)).toEqual([undefined, undefined]);
  });

  it('takes the defaults as given: another list replaces them, [] leaves only tolerations', async () => {
    const own = await render({
      variant: 'minimal',
      helmMajor,
      chart: kmm23Chart,
      overrides: { moduleTolerations: { defaults: [defaults[0]] } },
    });
    expect(moduleTolerations(own)).toEqual([[defaults[0]], [defaults[0]]]);
    const none = await render({
      variant: 'minimal',
      helmMajor,
      chart: kmm23Chart,
      overrides: { moduleTolerations: { defaults: [] }, tolerations: [maintenance] },
    });
    expect(moduleTolerations(none)).toEqual([[maintenance], [maintenance]]);
  });
});
