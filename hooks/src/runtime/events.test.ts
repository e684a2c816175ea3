import { describe, expect, it } from '@jest/globals';
import { createLogger, memorySink } from '../log/logger.ts';
import { MemoryKube } from '../testing/memory-kube.ts';
import { EventRecorder } from './events.ts';

function recorder(): { kube: MemoryKube; events: EventRecorder; at: (ms: number) => void } {
  const kube = new MemoryKube();
  let now = 0;
  const events = new EventRecorder(
    kube,
    { namespace: 'ns', crName: 'onload', identity: 'hook-pod' },
    createLogger({ level: 'info', sink: memorySink() }),
    { now: () => now, progressIntervalMs: 30_000 },
  );
  return {
    kube,
    events,
    at: (ms) => {
      now = ms;
    },
  };
}

const told = (kube: MemoryKube): string[] =>
  kube.events.map((e) => `${e.involved.kind} ${e.reason}: ${e.message}`);

describe('rollout Events', () => {
  it('gathers node starts and finishes into one RolloutProgress Event per interval', async () => {
    const { kube, events, at } = recorder();
    events.nodeStarted('a', 'canary');
    await events.flushProgress('0/3 node(s) done');
    at(1_000);
    events.nodeUpgraded('a');
    events.nodeStarted('b');
    await events.flushProgress('1/3 node(s) done');
    expect(events.progressDueAt).toBe(30_000);
    at(20_000);
    events.nodeUpgraded('b');
    events.nodeStarted('c');
    await events.flushProgress('2/3 node(s) done');
    at(30_000);
    await events.flushProgress('2/3 node(s) done');
    expect(events.progressDueAt).toBeUndefined();
    await events.flushProgress('2/3 node(s) done', true);
    expect(told(kube)).toEqual([
      'Onload RolloutProgress: started: a (canary); 0/3 node(s) done',
      'Onload RolloutProgress: upgraded: a, b; started: c; 2/3 node(s) done',
    ]);
  });

  it('sends what is pending before any other Onload Event, with the latest summary', async () => {
    const { kube, events, at } = recorder();
    events.nodeStarted('a');
    await events.flushProgress('0/2 node(s) done');
    at(5_000);
    events.nodeUpgraded('a');
    await events.flushProgress('1/2 node(s) done');
    await events.onload('node b failed: EvictionTimeout', true, 'NodeUpgradeFailed');
    await events.onload('rollout failed', true, 'RolloutFailed');
    expect(told(kube)).toEqual([
      'Onload RolloutProgress: started: a; 0/2 node(s) done',
      'Onload RolloutProgress: upgraded: a; 1/2 node(s) done',
      'Onload NodeUpgradeFailed: node b failed: EvictionTimeout',
      'Onload RolloutFailed: rollout failed',
    ]);
  });

  it('names at most 20 nodes per list and counts the others', async () => {
    const { kube, events } = recorder();
    for (let i = 0; i < 25; i++) events.nodeUpgraded(`n${String(i)}`);
    await events.flushProgress('25/25 node(s) done', true);
    expect(kube.events[0]?.message).toBe(
      `upgraded: ${Array.from({ length: 20 }, (_, i) => `n${String(i)}`).join(', ')} and 5 more; 25/25 node(s) done`,
    );
  });
});
