import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { MemoryDebugPods } from './memory-port.ts';
import { debugPod } from './pod.ts';
import { runReports, withShell } from './run.ts';

const podFor = (mode: 'report' | 'shell') => (node: string) =>
  debugPod({
    node,
    kind: 'onload',
    mode,
    image: 'onload-user:9',
    namespace: 'onload',
    release: 'onload',
    hostOnloadPath: '/opt/onload',
    serviceAccount: 'onload-troubleshooting',
    deadlineSeconds: 60,
  });

/** A clock that moves 1 s per poll, so waits end without sleeping. */
function fakeTime(): { now: () => number; pollMs: number } {
  let t = 0;
  return {
    now: () => {
      t += 1000;
      return t;
    },
    pollMs: 0,
  };
}

const quiet = { interrupts: null, ...fakeTime() };

describe('runReports', () => {
  it('returns each node’s report and deletes every pod it created', async () => {
    const port = new MemoryDebugPods()
      .script('a', {
        views: [{ phase: 'Pending' }, { phase: 'Running' }, { phase: 'Succeeded', exitCode: 0 }],
        log: 'report of a',
      })
      .script('b', { views: [{ phase: 'Failed', exitCode: 1 }], log: 'nothing could be read' });
    const lines: string[] = [];
    const reports = await runReports(port, {
      ...quiet,
      nodes: ['a', 'b'],
      pod: podFor('report'),
      progress: (l) => lines.push(l),
    });
    expect(reports.map((r) => [r.node, r.outcome, r.exitCode, r.text])).toEqual([
      ['a', 'succeeded', 0, 'report of a'],
      ['b', 'failed', 1, 'nothing could be read'],
    ]);
    expect(reports[1]?.problems).toEqual(['the report could read nothing on the node']);
    expect(port.pods.size).toBe(0);
    expect(port.deleted).toHaveLength(2);
    expect(lines).toEqual(expect.arrayContaining(['a: Running', 'a: report done']));
  });

  it('deletes the pod when the wait times out, keeping what was printed', async () => {
    const port = new MemoryDebugPods().script('a', { views: [{ phase: 'Running' }], log: 'half' });
    const [r] = await runReports(port, {
      ...quiet,
      nodes: ['a'],
      pod: podFor('report'),
      waitSeconds: 5,
    });
    expect(r?.outcome).toBe('timeout');
    expect(r?.text).toBe('half');
    expect(r?.problems[0]).toMatch(/did not end within 5 s \(Running\)/);
    expect(port.pods.size).toBe(0);
  });

  it('deletes the pod when it cannot start, and when reading fails', async () => {
    const port = new MemoryDebugPods().script('a', {
      views: [{ phase: 'Pending', reason: 'ImagePullBackOff', message: 'no such image' }],
    });
    const [r] = await runReports(port, { ...quiet, nodes: ['a'], pod: podFor('report') });
    expect(r?.outcome).toBe('error');
    expect(r?.problems).toEqual([
      expect.stringContaining('cannot start: Pending: ImagePullBackOff: no such image'),
    ]);
    expect(port.pods.size).toBe(0);

    const failing = new MemoryDebugPods();
    failing.readPod = () => Promise.reject(new Error('connection refused'));
    const [e] = await runReports(failing, { ...quiet, nodes: ['a'], pod: podFor('report') });
    expect(e?.outcome).toBe('error');
    expect(e?.problems).toEqual(['connection refused']);
    expect(failing.pods.size).toBe(0);
  });

  it('reports a pod that could not be created, and one that could not be deleted', async () => {
    const refused = new MemoryDebugPods();
    refused.createError = new Error('pods is forbidden');
    const [r] = await runReports(refused, { ...quiet, nodes: ['a'], pod: podFor('report') });
    expect(r?.outcome).toBe('error');
    expect(r?.problems[0]).toMatch(/could not create pod .*: pods is forbidden/);

    const sticky = new MemoryDebugPods().script('a', { log: 'ok' });
    sticky.deleteError = new Error('timeout');
    const [s] = await runReports(sticky, { ...quiet, nodes: ['a'], pod: podFor('report') });
    expect(s?.outcome).toBe('succeeded');
    expect(s?.problems[0]).toMatch(
      /could not delete pod .*: timeout; delete it with "kubectl delete pod -n onload /,
    );
  });

  it('calls a pod that reached its deadline a timeout', async () => {
    const port = new MemoryDebugPods().script('a', {
      views: [{ phase: 'Failed', reason: 'DeadlineExceeded' }],
      log: 'part',
    });
    const [r] = await runReports(port, { ...quiet, nodes: ['a'], pod: podFor('report') });
    expect(r?.outcome).toBe('timeout');
    expect(port.pods.size).toBe(0);
  });

  it('on SIGINT stops waiting, deletes every pod and starts no more', async () => {
    const port = new MemoryDebugPods();
    for (const n of ['a', 'b', 'c'])
      port.script(n, { views: [{ phase: 'Running' }], log: `part of ${n}` });
    const signals = new EventEmitter();
    let reads = 0;
    port.onRead = () => {
      if (++reads === 3) signals.emit('SIGINT');
    };
    const lines: string[] = [];
    const reports = await runReports(port, {
      nodes: ['a', 'b', 'c'],
      pod: podFor('report'),
      parallel: 2,
      pollMs: 1,
      interrupts: signals,
      progress: (l) => lines.push(l),
    });
    expect(reports.map((r) => r.outcome)).toEqual(['interrupted', 'interrupted', 'interrupted']);
    expect(reports[0]?.text).toBe('part of a');
    expect(port.created).toHaveLength(2);
    expect(port.pods.size).toBe(0);
    expect(lines).toContain('interrupted: deleting the troubleshooting pods before exiting');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('runs at most `parallel` pods at once', async () => {
    const port = new MemoryDebugPods();
    let most = 0;
    port.onRead = () => {
      most = Math.max(most, port.pods.size);
    };
    const nodes = ['a', 'b', 'c', 'd', 'e'];
    for (const n of nodes)
      port.script(n, { views: [{ phase: 'Running' }, { phase: 'Succeeded', exitCode: 0 }] });
    const reports = await runReports(port, { ...quiet, nodes, pod: podFor('report'), parallel: 2 });
    expect(reports.map((r) => r.node)).toEqual(nodes);
    expect(most).toBe(2);
    expect(port.deleted).toHaveLength(5);
  });
});

describe('withShell', () => {
  it('hands the running pod over and deletes it afterwards, also when the user code throws', async () => {
    const port = new MemoryDebugPods().script('a', {
      views: [{ phase: 'Pending' }, { phase: 'Running' }],
    });
    const pod = podFor('shell')('a');
    const seen = await withShell(port, { ...quiet, pod }, (s) => Promise.resolve(s));
    expect(seen).toEqual({ namespace: 'onload', pod: pod.metadata?.name, container: 'shell' });
    expect(port.pods.size).toBe(0);

    const again = podFor('shell')('a');
    await expect(
      withShell(port, { ...quiet, pod: again }, () => Promise.reject(new Error('exec failed'))),
    ).rejects.toThrow('exec failed');
    expect(port.pods.size).toBe(0);
    expect(port.deleted).toHaveLength(2);
  });

  it('deletes a shell pod that does not start in time and says why', async () => {
    const port = new MemoryDebugPods().script('a', { views: [{ phase: 'Pending' }] });
    await expect(
      withShell(port, { ...quiet, pod: podFor('shell')('a'), waitSeconds: 3 }, () =>
        Promise.resolve(),
      ),
    ).rejects.toThrow(/did not start: not running after 3 s/);
    expect(port.pods.size).toBe(0);
  });
});
