// The apply loop over the in-memory KubePort (no KMM, no kubelet: each case sets the node and its
// pods as they would be); the bed proves the same loop against real controllers (field-safety 2d).
import { describe, expect, it } from '@jest/globals';
import { pausedLabel } from '../../hooks/src/contract.ts';
import { MemoryKube } from '../../hooks/src/testing/memory-kube.ts';
import { consumer, node, ns, release, servicePod, t0 } from '../../hooks/src/testing/fixtures.ts';
import { applyOnNode, type ApplyOptions } from './apply.ts';
import type { JobResult } from './run-job.ts';

const limits = { drainSeconds: 300, reloadSeconds: 600, resumeSeconds: 300 };
const job = (outcome: JobResult['outcome']): JobResult => ({
  job: 'onload-firmware-n1-abcde',
  outcome,
  text: '',
  problems: [],
});

function options(kube: MemoryKube, o: Partial<ApplyOptions> = {}): ApplyOptions {
  let now = t0;
  return {
    port: kube,
    release: { namespace: ns, release },
    node: 'n1',
    limits,
    reloadAfterFlash: false,
    flash: () => Promise.resolve(job('succeeded')),
    signal: new AbortController().signal,
    progress: () => undefined,
    // Each read of the clock is 10 s later: timeouts come after a few rounds.
    now: () => (now += 10_000),
    pollMs: 0,
    ...o,
  };
}

const paused = async (kube: MemoryKube): Promise<boolean> =>
  (await kube.getNode('n1'))?.labels[pausedLabel(ns)] === 'true';

describe('firmware --apply on one node', () => {
  it('a drain a budget blocks fails after the timeout, unpauses the node and never runs the Job', async () => {
    const kube = new MemoryKube();
    kube.putNode(node('n1', { version: '1.0.0', loaded: '1.0.0' }));
    kube.putPod(consumer('app', 'n1'));
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: ['apps/app'], message: 'no' });
    let flashed = false;
    const result = await applyOnNode(
      options(kube, {
        flash: () => {
          flashed = true;
          return Promise.resolve(job('succeeded'));
        },
      }),
    );
    expect(result).toMatchObject({ kind: 'failed' });
    expect(result.kind === 'failed' && result.message).toContain(
      'apps/app (blocked by PodDisruptionBudget apps/app: no)',
    );
    expect(flashed).toBe(false);
    expect(await paused(kube)).toBe(false);
  });

  it('a failed Job leaves the node paused and says how to return it', async () => {
    const kube = new MemoryKube();
    kube.putNode(node('n1', { version: '1.0.0', loaded: '1.0.0' }));
    const result = await applyOnNode(
      options(kube, { flash: () => Promise.resolve(job('failed')) }),
    );
    expect(result.kind).toBe('failed');
    expect(result.kind === 'failed' && result.message).toContain(
      `kubectl label node n1 ${pausedLabel(ns)}-`,
    );
    expect(await paused(kube)).toBe(true);
  });

  it('evicts, flashes, unpauses and ends once the device plugin is Ready again', async () => {
    const kube = new MemoryKube();
    kube.putNode(node('n1', { version: '1.0.0', loaded: '1.0.0' }));
    kube.putPod(consumer('app', 'n1'));
    let podsAtFlash = -1;
    // An evicted pod is gone right after its eviction here.
    kube.evictionPolicy = (pod) => {
      // After the port has marked it terminating.
      queueMicrotask(() => {
        kube.removePod(`${pod.namespace}/${pod.name}`);
      });
      return { kind: 'evicted' };
    };
    const result = await applyOnNode(
      options(kube, {
        flash: async () => {
          podsAtFlash = (await kube.listPods({})).length;
          kube.putPod(servicePod('n1', 'device-plugin'));
          return job('succeeded');
        },
      }),
    );
    expect(result).toEqual({ kind: 'done', job: job('succeeded') });
    expect(podsAtFlash).toBe(0);
    expect(await paused(kube)).toBe(false);
  });

  it('an interrupt while draining unpauses the node', async () => {
    const kube = new MemoryKube();
    kube.putNode(node('n1', { version: '1.0.0', loaded: '1.0.0' }));
    kube.putPod(consumer('app', 'n1'));
    kube.evictionPolicy = () => ({ kind: 'blocked', budgets: [], message: '' });
    const stop = new AbortController();
    const result = await applyOnNode(
      options(kube, {
        signal: stop.signal,
        progress: (line) => {
          if (line.startsWith('draining')) stop.abort();
        },
      }),
    );
    expect(result).toEqual({
      kind: 'failed',
      message: 'interrupted while draining; the node was unpaused, nothing was written',
    });
    expect(await paused(kube)).toBe(false);
  });

  it('refuses a node in a rollout without touching it', async () => {
    const kube = new MemoryKube();
    kube.putNode(
      node('n1', { version: '1.0.0', loaded: '1.0.0', state: 'evicting', paused: true }),
    );
    const result = await applyOnNode(options(kube));
    expect(result.kind).toBe('refused');
  });
});
