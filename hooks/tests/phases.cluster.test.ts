// The hook phases against the real API server of the test bed (KMM stand-in, kubelet stand-in):
// each phase runs on the host like the chart's Job — the environment the chart renders for it and
// a token of the hook's own ServiceAccount, so RBAC is the chart's. The chart itself is installed
// with --no-hooks so the test decides when each phase runs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { waitFor } from '../../ci/lib/wait.ts';
import { kubectl, kubectlJson } from '../../ci/testbed/session.ts';
import {
  componentObjectName,
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  nodeAnnotation,
  pausedLabel,
  skipLabel,
  stateLabel,
  uninstallGuard,
} from '../src/contract.ts';
import { releaseName, selectorKey, TestRelease } from './release.ts';

interface PodList {
  items: { metadata: { name: string; deletionTimestamp?: string } }[];
}

describe('hook phases on the test bed', () => {
  let r: TestRelease;
  let v1: string;
  let v2: string;
  let v3: string;

  beforeAll(async () => {
    r = await TestRelease.create('hooks', 3);
    v1 = await r.values('v1');
    v2 = await r.values('v2');
    v3 = await r.values('v3');
  });
  afterAll(async () => {
    await r.cleanup();
  });

  const label = (key: (ns: string, m: string) => string, m: string): string => key(r.namespace, m);

  async function consumer(
    name: string,
    node: string,
    labels: Record<string, string> = {},
  ): Promise<void> {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: r.namespace, labels: { app: 'trader', ...labels } },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: 'trader',
            resources: { requests: { 'amd.com/onload': '1' }, limits: { 'amd.com/onload': '1' } },
          },
        ],
      },
    };
    await kubectl(['apply', '-f', '-'], { input: stringify(pod) });
  }

  async function consumers(): Promise<string[]> {
    const pods = await kubectlJson<PodList>(['get', 'pods', '-n', r.namespace, '-l', 'app=trader']);
    return pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
  }

  it('pre on a fresh install labels every selected node for the new version', async () => {
    const result = await r.phase('pre', v1);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 newly labelled for v1');
    for (const n of r.nodes) {
      const { labels } = await r.node(n);
      expect([
        labels[label(kmmVersionLabel, 'onload')],
        labels[label(kmmVersionLabel, 'sfc')],
      ]).toEqual(['v1', 'v1']);
    }
  });

  it('post after the install waits until every node has the driver and a Ready device plugin', async () => {
    await r.helm('install', v1);
    const result = await r.phase('post', v1);
    expect(result.stdout).toContain('3/3 node(s) run onload v1');
    expect(result.code).toBe(0);
    for (const n of r.nodes)
      expect((await r.node(n)).labels[label(kmmVersionReadyLabel, 'onload')]).toBe('v1');
    const cr = await kubectlJson<{ status?: { phase?: string; nodes?: { upToDate?: number } } }>([
      'get',
      'onload',
      'onload',
      '-n',
      r.namespace,
    ]);
    expect(cr.status).toEqual(
      expect.objectContaining({ phase: 'Ready', nodes: expect.objectContaining({ upToDate: 3 }) }),
    );
  });

  it('pre refuses an upgrade whose consumers a budget never lets go, changes nothing, and lets each escape it names through', async () => {
    await consumer('guarded', r.nodes[0] ?? '', { guard: 'never' });
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'never', namespace: r.namespace },
      spec: { maxUnavailable: 0, selector: { matchLabels: { guard: 'never' } } },
    };
    await kubectl(['apply', '-f', '-'], { input: stringify(pdb) });
    const before = await r.node(r.nodes[0] ?? '');
    const result = await r.phase('pre', v2);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`PodDisruptionBudget ${r.namespace}/never (maxUnavailable 0)`);
    expect((await r.node(r.nodes[0] ?? '')).labels).toEqual(before.labels);
    expect(result.stdout).toContain('upgrade.eviction.force=true');
    expect(result.stdout).toContain(`${skipLabel}=true`);

    // Each escape the refusal names is let through.
    const forced = await r.phase(
      'pre',
      await r.values('v2', { upgrade: { eviction: { force: true } } }),
    );
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('upgrade.eviction.force deletes them after');
    await kubectl(['label', 'node', r.nodes[0] ?? '', `${skipLabel}=true`]);
    try {
      expect((await r.phase('pre', v2)).code).toBe(0);
    } finally {
      await kubectl(['label', 'node', r.nodes[0] ?? '', `${skipLabel}-`]);
    }
    await kubectl(['delete', 'pdb', 'never', '-n', r.namespace]);
  });

  it('pre freezes, post rolls every node to v2 in order, evicting the pods that use Onload', async () => {
    await consumer('trader-1', r.nodes[1] ?? '');
    const pre = await r.phase('pre', v2);
    expect(pre.code).toBe(0);
    expect(pre.stdout).toContain('3 keep their version (3 on v1)');
    await r.helm('upgrade', v2);
    // Less than one node's worst case (the sum of the timeouts) before the Job deadline: post
    // starts no node and fails naming every node left, so helm upgrade cannot report success.
    const outOfTime = await r.phase(
      'post',
      await r.values('v2', {
        hooks: { timeoutSeconds: 120 },
        upgrade: {
          timeouts: {
            devicePluginStopSeconds: 30,
            evictionSeconds: 30,
            driverReloadSeconds: 30,
            validationSeconds: 30,
            installSeconds: 60,
          },
        },
      }),
    );
    expect(outOfTime.code).toBe(1);
    expect(outOfTime.stdout).toContain(`${String(r.nodes.length)} node(s) left:`);
    for (const n of r.nodes) {
      expect((await r.node(n)).labels[label(kmmVersionLabel, 'onload')]).toBe('v1');
      expect(outOfTime.stdout).toContain(`${n} (runs onload v1, wants v2)`);
    }
    const post = await r.phase('post', v2);
    expect(post.stdout).toMatch(/\[onload v1 → v2\] 3\/3 done/);
    expect(post.code).toBe(0);
    for (const n of r.nodes) {
      const { labels, annotations } = await r.node(n);
      expect(labels[label(kmmVersionLabel, 'onload')]).toBe('v2');
      expect(labels[label(kmmVersionReadyLabel, 'onload')]).toBe('v2');
      expect(labels[label(kmmVersionReadyLabel, 'sfc')]).toBe('v2');
      expect(labels[stateLabel(r.namespace)]).toBe('upgrade-done');
      expect(labels[pausedLabel(r.namespace)]).toBeUndefined();
      expect(annotations[nodeAnnotation(r.namespace, 'target')]).toBe('v2');
    }
    expect(await consumers()).toEqual([]);
    // Each node's steps are in the log and its state label; the Onload resource's RolloutProgress
    // Events name the nodes upgraded.
    const events = await kubectlJson<{
      items: { reason: string; involvedObject: { kind: string; name: string }; message: string }[];
    }>(['get', 'events', '-n', r.namespace]);
    const upgraded = events.items
      .filter((e) => e.involvedObject.kind === 'Onload' && e.reason === 'RolloutProgress')
      .flatMap((e) => /^upgraded: ([^;]*)/.exec(e.message)?.[1]?.split(', ') ?? []);
    expect([...upgraded].sort()).toEqual([...r.nodes].sort());
  });

  it('post killed (SIGKILL) mid-node at three different steps and rerun completes the rollout', async () => {
    for (const [i, node] of r.nodes.entries()) await consumer(`trader-k${String(i)}`, node);
    expect((await r.phase('pre', v3)).code).toBe(0);
    await r.helm('upgrade', v3);
    // Each run is killed right after a node enters the step; the next run picks the node up
    // from its labels, in whatever step it was left.
    for (const [run, step] of ['evicting', 'reloading-driver', 'validating'].entries()) {
      const post = await r.startPhase('post', v3, `onload-post-killed-${String(run)}`);
      await waitFor(
        `a node entering ${step} (run ${String(run)})`,
        () => Promise.resolve(new RegExp(`: [a-z-]+ → ${step}`).test(post.output())),
        { timeoutMs: 120_000, intervalMs: 50, describe: () => post.output() },
      );
      const killed = await post.stop('SIGKILL');
      expect(killed.code).not.toBe(0);
    }
    const last = await r.phase('post', v3);
    expect(last.stdout).toContain('took over the rollout Lease from a run that is gone');
    expect(last.stdout).toMatch(/\[onload v2 → v3\] 3\/3 done/);
    expect(last.code).toBe(0);
    for (const n of r.nodes) {
      const { labels } = await r.node(n);
      expect(labels[label(kmmVersionLabel, 'onload')]).toBe('v3');
      expect(labels[label(kmmVersionReadyLabel, 'onload')]).toBe('v3');
      expect(labels[label(kmmVersionReadyLabel, 'sfc')]).toBe('v3');
      expect(labels[stateLabel(r.namespace)]).toBe('upgrade-done');
      expect(labels[pausedLabel(r.namespace)]).toBeUndefined();
    }
    expect(await consumers()).toEqual([]);
  });

  it('pre-delete evicts every pod that uses Onload, lets KMM unload, leaves the nodes clean, then lets the uninstall guard go', async () => {
    await consumer('trader-2', r.nodes[2] ?? '');
    // What Argo CD does when it deletes the release's objects too early: the guard, deleted
    // first, stays (its finalizer) until pre-delete has done its work.
    const guard = componentObjectName(releaseName, uninstallGuard.suffix);
    await kubectl(['delete', 'configmap', guard, '-n', r.namespace, '--wait=false']);
    const held = await kubectlJson<{ metadata: { deletionTimestamp?: string } }>([
      'get',
      'configmap',
      guard,
      '-n',
      r.namespace,
    ]);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    const preDelete = await r.phase('pre-delete', v2);
    expect(preDelete.code).toBe(0);
    expect(preDelete.stdout).toContain('UNINSTALL');
    expect(preDelete.stdout).toContain(
      `the Onload labels and annotations of namespace ${r.namespace} removed from ${r.nodes.length} node(s)`,
    );
    expect(await consumers()).toEqual([]);
    const gone = await kubectl(['get', 'configmap', guard, '-n', r.namespace], {
      allowFailure: true,
    });
    expect(gone.stderr).toContain('NotFound');
    await r.helm('uninstall');
    await waitFor(
      'KMM to unload everywhere',
      async () => {
        for (const n of r.nodes) {
          const { labels, annotations } = await r.node(n);
          const ours = Object.keys({ ...labels, ...annotations }).filter(
            (k) => k.includes(r.namespace) && k !== 'hooks-test.onload.amd.com/run',
          );
          if (ours.length > 0 || Object.hasOwn(labels, label(kmmReadyLabel, 'onload')))
            return false;
        }
        return true;
      },
      { timeoutMs: 60_000 },
    );
  });
});

describe('node labeller on the test bed', () => {
  let r: TestRelease;

  beforeAll(async () => {
    r = await TestRelease.create('labeller', 2);
  });
  afterAll(async () => {
    await r.cleanup();
  });

  it('labels nodes that join with the live Module version and cleans nodes that leave', async () => {
    const v1 = await r.values('v1');
    await r.helm('install', v1);
    const labeller = await r.startLabeller('v1');
    const onloadKey = kmmVersionLabel(r.namespace, 'onload');
    const sfcKey = kmmVersionLabel(r.namespace, 'sfc');
    try {
      await waitFor(
        'the labeller to label the selected nodes',
        async () => {
          for (const n of r.nodes) if ((await r.node(n)).labels[onloadKey] !== 'v1') return false;
          return true;
        },
        { timeoutMs: 60_000 },
      );
      const [joined] = await r.addNodes(1);
      const leaving = r.nodes[0] ?? '';
      await kubectl(['label', 'node', leaving, `${selectorKey}-`]);
      await waitFor(
        'the new node labelled and the leaving node cleaned',
        async () => {
          const j = await r.node(joined ?? '');
          const l = await r.node(leaving);
          return (
            j.labels[onloadKey] === 'v1' &&
            j.labels[sfcKey] === 'v1' &&
            l.labels[onloadKey] === undefined
          );
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      const result = await labeller.stop();
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('joined the selector: labelled for onload v1');
      expect(result.stdout).toContain('left the selector: Onload labels removed');
    }
  });
});
