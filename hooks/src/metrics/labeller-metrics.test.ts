// The labeller's metrics from the NodeFacts it reads: per node the desired and loaded version of
// each module, the rollout state, paused/failed/skipped, and the rollout's progress.
import { describe, expect, it } from '@jest/globals';
import { nodeAnnotation, nodeStates, skipLabel } from '../contract.ts';
import { module, nodeFacts, ns } from '../testing/fixtures.ts';
import { find, parseExposition, value, type Exposition } from '../testing/exposition.ts';
import {
  LabellerMetrics,
  labellerFamilies as f,
  moduleUpToDate,
  noState,
  versionSkew,
  type LabellerMetricsInput,
} from './labeller-metrics.ts';

const since = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A rollout from v1 to v2 half-way: one node done, one reloading, one failed, one not started. */
const midRollout: LabellerMetricsInput = {
  sfcEnabled: true,
  modules: { onload: module('onload', 'v2'), sfc: module('sfc', 'v2') },
  selected: [
    nodeFacts('done', { version: 'v2', loaded: 'v2', state: 'upgrade-done', since }),
    nodeFacts('reloading', {
      version: 'v2',
      onloadLoaded: null,
      sfcLoaded: 'v2',
      paused: true,
      state: 'reloading-driver',
      since,
    }),
    nodeFacts('failed', {
      version: 'v1',
      loaded: 'v1',
      paused: true,
      state: 'upgrade-failed',
      since,
      annotations: { [nodeAnnotation(ns, 'reason')]: 'EvictionTimeout' },
    }),
    nodeFacts('waiting', { version: 'v1', loaded: 'v1', labels: { [skipLabel]: 'true' } }),
  ],
};

async function scrape(input: LabellerMetricsInput, now = since + 60_000): Promise<Exposition> {
  const m = new LabellerMetrics();
  m.update(input, now);
  return parseExposition(await m.registry.metrics());
}

describe('labeller metrics', () => {
  it('exports every family as a gauge', async () => {
    const e = await scrape(midRollout);
    for (const name of Object.values(f)) expect([name, e.types.get(name)]).toEqual([name, 'gauge']);
  });

  it("exports each node's desired and loaded version per module, and the Modules' versions", async () => {
    const e = await scrape(midRollout);
    expect(find(e, f.target).map((s) => s.labels)).toEqual([
      { module: 'onload', version: 'v2' },
      { module: 'sfc', version: 'v2' },
    ]);
    expect(value(e, f.desired, { node: 'failed', module: 'onload', version: 'v1' })).toBe(1);
    expect(find(e, f.desired, { node: 'failed' })).toHaveLength(2);
    expect(value(e, f.loadedVersion, { node: 'done', module: 'sfc', version: 'v2' })).toBe(1);
    expect(find(e, f.loadedVersion, { node: 'reloading', module: 'onload' })).toEqual([]);
    expect(value(e, f.loaded, { node: 'reloading', module: 'onload' })).toBe(0);
    expect(value(e, f.loaded, { node: 'reloading', module: 'sfc' })).toBe(1);
    expect(value(e, f.skew, { node: 'done', module: 'onload' })).toBe(0);
    expect(value(e, f.skew, { node: 'failed', module: 'onload' })).toBe(1);
    expect(value(e, f.skew, { node: 'waiting', module: 'sfc' })).toBe(1);
  });

  it('exports the rollout state of each node, one 1 among the states', async () => {
    const e = await scrape(midRollout);
    for (const node of ['done', 'reloading', 'failed'])
      expect(find(e, f.state, { node }).filter((s) => s.value === 1)).toHaveLength(1);
    expect(find(e, f.state, { node: 'waiting' })).toHaveLength(nodeStates.length);
    expect(find(e, f.state, { node: 'waiting' }).every((s) => s.value === 0)).toBe(true);
    expect(value(e, f.state, { node: 'reloading', state: 'reloading-driver' })).toBe(1);
    expect(value(e, f.inProgress, { node: 'reloading' })).toBe(1);
    expect(value(e, f.inProgress, { node: 'failed' })).toBe(0);
    expect(value(e, f.paused, { node: 'failed' })).toBe(1);
    expect(value(e, f.paused, { node: 'done' })).toBe(0);
    expect(value(e, f.failed, { node: 'failed' })).toBe(1);
    expect(value(e, f.failed, { node: 'done' })).toBe(0);
    expect(find(e, f.failure).map((s) => s.labels)).toEqual([
      { node: 'failed', reason: 'EvictionTimeout' },
    ]);
    expect(value(e, f.skip, { node: 'waiting' })).toBe(1);
    expect(value(e, f.since, { node: 'done' })).toBe(since / 1000);
    expect(find(e, f.since, { node: 'waiting' })).toEqual([]);
  });

  it("exports the rollout's progress over the selected nodes", async () => {
    const e = await scrape(midRollout);
    expect(value(e, f.selected)).toBe(4);
    expect(value(e, f.upToDate)).toBe(1);
    expect(value(e, f.progress)).toBe(0.25);
    expect(value(e, f.nodes, { state: 'upgrade-done' })).toBe(1);
    expect(value(e, f.nodes, { state: 'upgrade-failed' })).toBe(1);
    expect(value(e, f.nodes, { state: noState })).toBe(1);
    expect(value(e, f.nodes, { state: 'evicting' })).toBe(0);
    expect(value(e, f.updated)).toBe((since + 60_000) / 1000);
  });

  it('leaves sfc out when sfc is disabled, and replaces everything on each update', async () => {
    const m = new LabellerMetrics();
    m.update(midRollout);
    m.update({
      sfcEnabled: false,
      modules: { onload: module('onload', 'v2') },
      selected: [
        nodeFacts('done', { onload: 'v2', sfc: null, onloadLoaded: 'v2', sfcLoaded: null }),
      ],
    });
    const e = parseExposition(await m.registry.metrics());
    expect(find(e, f.loaded).map((s) => s.labels)).toEqual([{ node: 'done', module: 'onload' }]);
    expect(find(e, f.target).map((s) => s.labels.module)).toEqual(['onload']);
    expect(find(e, f.paused).map((s) => s.labels.node)).toEqual(['done']);
    expect(value(e, f.progress)).toBe(1);
  });

  it('has no progress ratio while no node is selected', async () => {
    const e = await scrape({ sfcEnabled: true, modules: {}, selected: [] });
    expect(value(e, f.selected)).toBe(0);
    expect(find(e, f.progress)).toEqual([]);
    expect(find(e, f.target)).toEqual([]);
  });

  it('names a failure reason that is not ours Other', async () => {
    const e = await scrape({
      ...midRollout,
      selected: [
        nodeFacts('x', {
          state: 'upgrade-failed',
          annotations: { [nodeAnnotation(ns, 'reason')]: 'see ticket #42' },
        }),
      ],
    });
    expect(find(e, f.failure).map((s) => s.labels.reason)).toEqual(['Other']);
  });
});

describe('moduleUpToDate and versionSkew', () => {
  it.each([
    ['labelled and reported loaded', { version: 'v2', loaded: 'v2' }, true, false],
    [
      'labelled, loaded, KMM < 2.5 (no loaded version)',
      { version: 'v2', loaded: 'v2', oldKmm: true },
      true,
      false,
    ],
    ['labelled, not loaded', { version: 'v2', loaded: null }, false, false],
    ['labelled, old version still loaded', { version: 'v2', loaded: 'v1' }, false, true],
    ['still labelled for the old version', { version: 'v1', loaded: 'v1' }, false, true],
    ['no label', { loaded: null }, false, true],
  ] as const)('%s', (_, options, upToDate, skew) => {
    const facts = nodeFacts('n', options);
    expect(moduleUpToDate(facts, 'onload', 'v2')).toBe(upToDate);
    expect(versionSkew(facts, 'onload', 'v2')).toBe(skew);
  });

  it('sees no skew and nothing up to date without a Module', () => {
    const facts = nodeFacts('n', { version: 'v2', loaded: 'v2' });
    expect(moduleUpToDate(facts, 'onload', undefined)).toBe(false);
    expect(versionSkew(facts, 'onload', undefined)).toBe(false);
  });
});
