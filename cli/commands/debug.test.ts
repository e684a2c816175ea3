import { describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import type { OnloadView } from '../../hooks/src/kube/port.ts';
import { node, ns } from '../../hooks/src/testing/fixtures.ts';
import { MemoryKube } from '../../hooks/src/testing/memory-kube.ts';
import { stringFlag } from '../args.ts';
import { settingsData } from '../debug/fixtures.ts';
import { MemoryDebugPods } from '../debug/memory-port.ts';
import { runCli } from '../run.ts';
import { resolveNamespace } from '../session.ts';
import { reportKinds } from './debug.ts';
import { commands } from './index.ts';
import { reportFile } from './troubleshooting.ts';

const settings = settingsData;

function setup(withSettings = true): { kube: MemoryKube; pods: MemoryDebugPods } {
  const kube = new MemoryKube();
  const onload: OnloadView = {
    name: 'onload',
    uid: 'uid-onload',
    generation: 1,
    annotations: {},
    selector: { 'feature.node.kubernetes.io/pci-1924.present': 'true' },
  };
  kube.putOnload(onload);
  for (const name of ['worker-1', 'worker-2'])
    kube.putNode({
      ...node(name, { version: 'v1', loaded: 'v1' }),
      labels: {
        ...node(name, { version: 'v1', loaded: 'v1' }).labels,
        'feature.node.kubernetes.io/pci-1924.present': 'true',
      },
    });
  kube.putNode(node('other'));
  const pods = new MemoryDebugPods();
  if (withSettings) pods.configMaps.set(`${ns}/onload-troubleshooting`, settings);
  return { kube, pods };
}

async function run(kube: MemoryKube, pods: MemoryDebugPods, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, commands, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    session: (flags) => ({
      port: kube,
      kubeConfig: new KubeConfig(),
      debugPods: pods,
      namespace: resolveNamespace(stringFlag(flags, 'namespace'), ns),
    }),
    now: () => 0,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kubectl onload debug', () => {
  it('runs the Onload report on one node, prints it and deletes the pod', async () => {
    const { kube, pods } = setup();
    pods.script('worker-1', { log: '===== onload versions =====\ndriver 9.0.1.2\n' });
    const ok = await run(kube, pods, 'debug', 'worker-1');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('===== onload report of node worker-1: succeeded =====');
    expect(ok.out).toContain('driver 9.0.1.2');
    expect(pods.created.map((p) => p.spec?.nodeName)).toEqual(['worker-1']);
    expect(pods.pods.size).toBe(0);
  });

  it('runs both reports on every Onload node with --all', async () => {
    const { kube, pods } = setup();
    const result = await run(kube, pods, 'debug', '--all', '--sfc', '--onload');
    expect(result.code).toBe(0);
    for (const kind of ['onload', 'sfc'])
      for (const n of ['worker-1', 'worker-2'])
        expect(result.out).toContain(`===== ${kind} report of node ${n}: succeeded =====`);
    expect(result.out).not.toContain('node other');
    expect(pods.created).toHaveLength(4);
    expect(pods.pods.size).toBe(0);
  });

  it('exits 1 when a report fails, the pod deleted all the same', async () => {
    const { kube, pods } = setup();
    pods.script('worker-2', { views: [{ phase: 'Failed', exitCode: 1 }], log: 'nothing readable' });
    const result = await run(kube, pods, 'debug', 'worker-2');
    expect(result.code).toBe(1);
    expect(result.out).toContain('worker-2: failed');
    expect(result.err).toContain('1 report(s) did not complete');
    expect(pods.pods.size).toBe(0);
  });

  it('names the fix when the release has no troubleshooting settings or the node does not exist', async () => {
    const { kube, pods } = setup(false);
    const missing = await run(kube, pods, 'debug', 'worker-1');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('diagnostics.enabled=true');
    const withSettings = setup();
    const noNode = await run(withSettings.kube, withSettings.pods, 'debug', 'nope');
    expect(noNode.code).toBe(1);
    expect(noNode.err).toContain('node nope not found');
    expect(withSettings.pods.created).toEqual([]);
  });

  it('refuses ambiguous requests before creating any pod', async () => {
    const { kube, pods } = setup();
    expect((await run(kube, pods, 'debug')).err).toContain('--all');
    expect((await run(kube, pods, 'debug', 'worker-1', '--all')).code).toBe(2);
    expect((await run(kube, pods, 'debug', '--all', '--shell')).err).toContain('--shell');
    expect(pods.created).toEqual([]);
  });
});

describe('report helpers', () => {
  it('picks the Onload report unless asked otherwise', () => {
    expect(reportKinds({})).toEqual(['onload']);
    expect(reportKinds({ sfc: true })).toEqual(['sfc']);
    expect(reportKinds({ sfc: true, onload: true })).toEqual(['sfc', 'onload']);
  });

  it('heads a report file with how the pod ended', () => {
    const file = reportFile('sfc', {
      node: 'worker-1',
      pod: 'onload-sfc-report-worker-1-x',
      outcome: 'timeout',
      text: 'partial',
      problems: ['the pod did not finish within 660 s'],
    });
    expect(file.path).toBe('nodes/worker-1/diagnostics/sfc-report.txt');
    expect(String(file.content)).toBe(
      '# sfc report of node worker-1, pod onload-sfc-report-worker-1-x: timeout; the pod did not finish within 660 s\npartial',
    );
  });
});
