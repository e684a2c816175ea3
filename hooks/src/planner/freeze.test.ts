import { describe, expect, it } from '@jest/globals';
import { kmmVersionLabel, nodeAnnotation, stateLabel } from '../contract.ts';
import type { NodeView } from '../kube/port.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { nodePatch } from '../runtime/node-writer.ts';
import { module, node, ns } from '../testing/fixtures.ts';
import { freezeNode, type LabelVersions } from './freeze.ts';
import { planLabeller, type LabellerInput } from './labeller.ts';

const onloadKey = kmmVersionLabel(ns, 'onload');
const sfcKey = kmmVersionLabel(ns, 'sfc');

const facts = (nodes: readonly NodeView[]) => nodes.map((n) => readNodeFacts(n, ns));

/** Freeze of a node, its change spelled as the patch the node writer sends. */
function freeze(n: NodeView, versions: LabelVersions) {
  const { verdict, change } = freezeNode(readNodeFacts(n, ns), versions);
  return { verdict, ...(change ? { patch: nodePatch(change, ns) } : {}) };
}

/** The labeller's writes for nodes, each change spelled as the patch the node writer sends. */
function label(
  input: Omit<LabellerInput, 'selected' | 'labelled'> & {
    readonly selected: readonly NodeView[];
    readonly labelled: readonly NodeView[];
  },
) {
  const writes = planLabeller({
    ...input,
    selected: facts(input.selected),
    labelled: facts(input.labelled),
  });
  return writes.map((w) => ({ ...w, patch: nodePatch(w.change, ns) }));
}

describe('freeze', () => {
  it('keeps the version of labelled nodes and gives fresh nodes the new one (sfc too)', () => {
    expect(freeze(node('a', { version: 'v1' }), { onload: 'v2', sfc: 'v2' })).toEqual({
      verdict: 'kept',
    });
    expect(freeze(node('b'), { onload: 'v2', sfc: 'v2' }).patch?.labels).toEqual({
      [onloadKey]: 'v2',
      [sfcKey]: 'v2',
    });
    expect(freeze(node('c'), { onload: 'v2' }).patch?.labels).toEqual({
      [onloadKey]: 'v2',
    });
  });

  it('leaves sfc to the rollout on a node that runs onload without sfc (sfc enabled later)', () => {
    expect(freeze(node('a', { onload: 'v1', sfc: null }), { onload: 'v2', sfc: 'v2' })).toEqual({
      verdict: 'kept',
    });
  });

  it('leaves nodes mid-rollout or failed alone, even without a version label', () => {
    expect(freeze(node('a', { paused: true }), { onload: 'v2' }).verdict).toBe('in-rollout');
    expect(freeze(node('b', { state: 'reloading-driver' }), { onload: 'v2' }).verdict).toBe(
      'in-rollout',
    );
    expect(freeze(node('c', { state: 'upgrade-failed' }), { onload: 'v2' }).verdict).toBe(
      'in-rollout',
    );
  });
});

describe('labeller', () => {
  const modules = { onload: module('onload', 'v3'), sfc: module('sfc', 'v3') };

  it('labels selected nodes without a version label with the live Module version, and nothing without a Module', () => {
    const selected = [node('new'), node('old', { version: 'v1' })];
    const patches = label({
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
    expect(label({ sfcEnabled: true, selected, labelled: [], modules: {} })).toEqual([]);
  });

  it('cleans nodes that left the selector unless they are mid-rollout', () => {
    const gone = node('gone', {
      version: 'v1',
      state: 'upgrade-done',
      annotations: { [nodeAnnotation(ns, 'target')]: 'v1' },
    });
    const busy = node('busy', { version: 'v1', paused: true, state: 'evicting' });
    const patches = label({
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
