import { describe, expect, it } from '@jest/globals';
import {
  kmmVersionLabel,
  nodeAnnotation,
  pausedLabel,
  skipLabel,
  stateLabel,
} from '../contract.ts';
import type { MetadataPatch, NodeView, PatchResult } from '../kube/port.ts';
import { formatTime, readNodeFacts } from '../model/node-facts.ts';
import { cleanupChange } from '../planner/cleanup.ts';
import { node, ns, t0 } from '../testing/fixtures.ts';
import { MemoryKube } from '../testing/memory-kube.ts';
import { NodeWriter, nodePatch } from './node-writer.ts';

const onloadKey = kmmVersionLabel(ns, 'onload');
const sfcKey = kmmVersionLabel(ns, 'sfc');
const note = (key: Parameters<typeof nodeAnnotation>[1]) => nodeAnnotation(ns, key);

/** A MemoryKube that remembers every node patch it was sent. */
class RecordingKube extends MemoryKube {
  readonly sent: { name: string; patch: MetadataPatch; resourceVersion?: string }[] = [];

  override patchNode(
    name: string,
    patch: MetadataPatch,
    resourceVersion?: string,
  ): Promise<PatchResult<NodeView>> {
    this.sent.push({ name, patch, ...(resourceVersion !== undefined ? { resourceVersion } : {}) });
    return super.patchNode(name, patch, resourceVersion);
  }
}

describe('nodePatch', () => {
  it('spells every field of a change as its label or annotation, clears as null', () => {
    expect(
      nodePatch(
        {
          state: 'reloading-driver',
          paused: true,
          versions: { onload: 'v2', sfc: null },
          since: t0,
          target: 'v2',
          failure: null,
          unloaded: ['sfc', 'onload', 'sfc'],
          retried: null,
        },
        ns,
      ),
    ).toEqual({
      labels: {
        [stateLabel(ns)]: 'reloading-driver',
        [pausedLabel(ns)]: 'true',
        [onloadKey]: 'v2',
        [sfcKey]: null,
      },
      annotations: {
        [note('since')]: formatTime(t0),
        [note('target')]: 'v2',
        [note('reason')]: null,
        [note('message')]: null,
        [note('unloaded')]: 'onload,sfc',
        [note('retried')]: null,
      },
    });
  });

  it('removes the pause label, records a failure and clears the state', () => {
    expect(
      nodePatch(
        {
          state: null,
          paused: false,
          failure: { reason: 'DriverTimeout', message: 'not loaded' },
          unloaded: null,
          retried: t0,
        },
        ns,
      ),
    ).toEqual({
      labels: { [stateLabel(ns)]: null, [pausedLabel(ns)]: null },
      annotations: {
        [note('reason')]: 'DriverTimeout',
        [note('message')]: 'not loaded',
        [note('unloaded')]: null,
        [note('retried')]: formatTime(t0),
      },
    });
  });

  it('leaves out a half with nothing to change, and sends nothing for an empty change', () => {
    expect(nodePatch({ versions: { onload: 'v1' } }, ns)).toEqual({
      labels: { [onloadKey]: 'v1' },
    });
    expect(nodePatch({ target: 'v1' }, ns)).toEqual({ annotations: { [note('target')]: 'v1' } });
    expect(nodePatch({}, ns)).toEqual({});
  });

  it("sets and removes the users' skip label, which forgetting every key of ours leaves alone", () => {
    expect(nodePatch({ skip: true }, ns)).toEqual({ labels: { [skipLabel]: 'true' } });
    expect(nodePatch({ skip: false }, ns)).toEqual({ labels: { [skipLabel]: null } });
    const skipped = node('n', { onload: 'v1', labels: { [skipLabel]: 'true' } });
    const change = cleanupChange(readNodeFacts(skipped, ns));
    expect(change && nodePatch(change, ns).labels).not.toHaveProperty([skipLabel]);
  });

  it('forgets exactly the keys of ours a node carries, whatever they hold', () => {
    const n = node('n', {
      onload: 'v1',
      labels: { [stateLabel(ns)]: 'not-a-state', unrelated: 'x' },
      annotations: { [note('since')]: 'garbage', [note('reason')]: 'r' },
    });
    const change = cleanupChange(readNodeFacts(n, ns));
    expect(change && nodePatch(change, ns)).toEqual({
      labels: { [onloadKey]: null, [stateLabel(ns)]: null },
      annotations: { [note('since')]: null, [note('reason')]: null },
    });
    expect(cleanupChange(readNodeFacts(node('clean'), ns))).toBeUndefined();
  });

  it('lets a field set what forget would remove', () => {
    expect(nodePatch({ forget: ['state', 'target'], state: 'upgrade-done' }, ns)).toEqual({
      labels: { [stateLabel(ns)]: 'upgrade-done' },
      annotations: { [note('target')]: null },
    });
  });
});

describe('NodeWriter', () => {
  it('sends the patch with the resourceVersion the change was decided on', async () => {
    const kube = new RecordingKube();
    const current = kube.putNode(node('a'));
    const writer = new NodeWriter(kube, ns);
    const { result, patch } = await writer.write({
      node: 'a',
      resourceVersion: current.resourceVersion,
      change: { paused: true },
    });
    expect(patch).toEqual({ labels: { [pausedLabel(ns)]: 'true' } });
    expect(kube.sent).toEqual([{ name: 'a', patch, resourceVersion: current.resourceVersion }]);
    expect(result.kind).toBe('patched');
    expect(kube.nodes.get('a')?.labels[pausedLabel(ns)]).toBe('true');
  });

  it('is refused when the node changed since', async () => {
    const kube = new RecordingKube();
    const stale = kube.putNode(node('a'));
    kube.putNode(stale);
    const { result } = await new NodeWriter(kube, ns).write({
      node: 'a',
      resourceVersion: stale.resourceVersion,
      change: { paused: true },
    });
    expect(result.kind).toBe('conflict');
    expect(kube.nodes.get('a')?.labels[pausedLabel(ns)]).toBeUndefined();
  });

  it('settles: after a conflict it reads the node again and decides on what it finds', async () => {
    const kube = new RecordingKube();
    const stale = kube.putNode(node('a'));
    kube.putNode(node('a', { onload: 'v1' }));
    const writer = new NodeWriter(kube, ns);
    const seen: (string | undefined)[] = [];
    const settled = await writer.settle(stale, (f) => {
      seen.push(f.modules.onload.label);
      return f.modules.onload.label === undefined ? { versions: { onload: 'v2' } } : undefined;
    });
    expect(seen).toEqual([undefined, 'v1']);
    expect(settled).toEqual({
      kind: 'unchanged',
      facts: expect.objectContaining({ name: 'a' }),
    });
    expect(kube.sent).toHaveLength(1);
  });

  it('settles: written, or lost when the node is gone', async () => {
    const kube = new RecordingKube();
    const a = kube.putNode(node('a'));
    const writer = new NodeWriter(kube, ns);
    const written = await writer.settle(a, () => ({ versions: { onload: 'v2' } }));
    expect(written).toEqual({ kind: 'written', node: expect.objectContaining({ name: 'a' }) });
    expect(kube.nodes.get('a')?.labels[onloadKey]).toBe('v2');
    expect(await writer.settle(node('gone'), () => ({ paused: true }))).toEqual({ kind: 'lost' });
  });
});
