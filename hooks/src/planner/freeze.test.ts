import { describe, expect, it } from '@jest/globals';
import { kmmVersionLabel, nodeAnnotation, stateLabel } from '../contract.ts';
import { module, node, ns } from '../testing/fixtures.ts';
import { freezeNode } from './freeze.ts';
import { planLabeller } from './labeller.ts';

const onloadKey = kmmVersionLabel(ns, 'onload');
const sfcKey = kmmVersionLabel(ns, 'sfc');

describe('freeze', () => {
  it('keeps the version of labelled nodes and gives fresh nodes the new one (sfc too)', () => {
    expect(freezeNode(node('a', { version: 'v1' }), ns, { onload: 'v2', sfc: 'v2' })).toEqual({
      verdict: 'kept',
    });
    expect(freezeNode(node('b'), ns, { onload: 'v2', sfc: 'v2' }).patch?.labels).toEqual({
      [onloadKey]: 'v2',
      [sfcKey]: 'v2',
    });
    expect(freezeNode(node('c'), ns, { onload: 'v2' }).patch?.labels).toEqual({
      [onloadKey]: 'v2',
    });
  });

  it('leaves sfc to the rollout on a node that runs onload without sfc (sfc enabled later)', () => {
    expect(
      freezeNode(node('a', { onload: 'v1', sfc: null }), ns, { onload: 'v2', sfc: 'v2' }),
    ).toEqual({ verdict: 'kept' });
  });

  it('leaves nodes mid-rollout or failed alone, even without a version label', () => {
    expect(freezeNode(node('a', { paused: true }), ns, { onload: 'v2' }).verdict).toBe(
      'in-rollout',
    );
    expect(freezeNode(node('b', { state: 'reloading-driver' }), ns, { onload: 'v2' }).verdict).toBe(
      'in-rollout',
    );
    expect(freezeNode(node('c', { state: 'upgrade-failed' }), ns, { onload: 'v2' }).verdict).toBe(
      'in-rollout',
    );
  });
});

describe('labeller', () => {
  const modules = { onload: module('onload', 'v3'), sfc: module('sfc', 'v3') };

  it('labels selected nodes without a version label with the live Module version, and nothing without a Module', () => {
    const selected = [node('new'), node('old', { version: 'v1' })];
    const patches = planLabeller({
      namespace: ns,
      sfcEnabled: true,
      selected,
      labelled: [node('old', { version: 'v1' })],
      modules,
    });
    expect(patches).toEqual([
      expect.objectContaining({
        node: 'new',
        patch: { labels: { [onloadKey]: 'v3', [sfcKey]: 'v3' } },
      }),
    ]);
    expect(
      planLabeller({ namespace: ns, sfcEnabled: true, selected, labelled: [], modules: {} }),
    ).toEqual([]);
  });

  it('cleans nodes that left the selector unless they are mid-rollout', () => {
    const gone = node('gone', {
      version: 'v1',
      state: 'upgrade-done',
      annotations: { [nodeAnnotation(ns, 'target')]: 'v1' },
    });
    const busy = node('busy', { version: 'v1', paused: true, state: 'evicting' });
    const patches = planLabeller({
      namespace: ns,
      sfcEnabled: true,
      selected: [],
      labelled: [gone, busy],
      modules,
    });
    expect(patches).toEqual([
      expect.objectContaining({
        node: 'gone',
        patch: {
          labels: { [onloadKey]: null, [sfcKey]: null, [stateLabel(ns)]: null },
          annotations: { [nodeAnnotation(ns, 'target')]: null },
        },
      }),
    ]);
    expect(patches.some((p) => p.node === 'busy')).toBe(false);
  });
});
