import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from '@jest/globals';
import { pauseAnnotation, skipLabel } from '../../hooks/src/contract.ts';
import { KubeError } from '../../hooks/src/kube/errors.ts';
import type { NodeView, OnloadView } from '../../hooks/src/kube/port.ts';
import { node, ns } from '../../hooks/src/testing/fixtures.ts';
import { MemoryKube } from '../../hooks/src/testing/memory-kube.ts';
import { stringFlag } from '../args.ts';
import { runCli } from '../run.ts';
import { resolveNamespace } from '../session.ts';
import { commands } from './index.ts';

const now = Date.parse('2026-11-30T12:00:00Z');

function onload(name: string, annotations: Record<string, string> = {}): OnloadView {
  return { name, uid: `uid-${name}`, generation: 1, annotations };
}

function cluster(...onloads: OnloadView[]): MemoryKube {
  const kube = new MemoryKube();
  for (const o of onloads) kube.putOnload(o);
  kube.putNode(node('worker-1', { version: 'v1', loaded: 'v1', state: 'upgrade-done' }));
  kube.putNode(node('worker-2', { version: 'v1', loaded: 'v1' }));
  return kube;
}

async function run(kube: MemoryKube, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, commands, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    session: (flags) => ({
      port: kube,
      kubeConfig: new KubeConfig(),
      namespace: resolveNamespace(stringFlag(flags, 'namespace'), undefined),
    }),
    now: () => now,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const labels = (kube: MemoryKube, name: string): NodeView['labels'] =>
  kube.nodes.get(name)?.labels ?? {};

describe('kubectl onload help and version', () => {
  it('lists exactly the commands there are, and each command has its own help', async () => {
    const root = await run(new MemoryKube(), '--help');
    expect(root.code).toBe(0);
    const listed = root.out
      .split('Commands:\n')[1]
      ?.split('\n\n')[0]
      ?.split('\n')
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual([
      'status',
      'pause',
      'resume',
      'skip',
      'unskip',
      'debug',
      'support-bundle',
      'firmware',
      'version',
    ]);
    for (const c of commands) {
      const help = await run(new MemoryKube(), c.name, '--help');
      expect([c.name, help.code]).toEqual([c.name, 0]);
      expect(help.out).toContain(`kubectl onload ${c.name}`);
      expect(help.out).toContain('--kubeconfig');
    }
    expect((await run(new MemoryKube(), 'status', '-h')).out).toContain(
      '-o, --output json|yaml|wide',
    );
  });

  it('prints the version, "dev" outside a build', async () => {
    expect(await run(new MemoryKube(), 'version')).toEqual({
      code: 0,
      out: 'kubectl-onload dev',
      err: '',
    });
  });

  it('exits 2 on a usage error, before talking to the cluster', async () => {
    const kube = cluster(onload('onload'));
    const result = await run(kube, 'status', '-o', 'xml');
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'error: flag -o/--output: "xml" is not one of json, yaml, wide: -o/--output json|yaml|wide',
    );
    expect(kube.totalRequests()).toBe(0);
  });
});

describe('kubectl onload status', () => {
  it('shows the Onload status and the release nodes', async () => {
    const kube = cluster(
      onload('onload', { [pauseAnnotation]: 'true', 'meta.helm.sh/release-name': 'rel' }),
    );
    const result = await run(kube, 'status', '-n', ns);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Onload onload in namespace ${ns}: no status yet · PAUSED`);
    expect(result.out).toContain(
      `Resume: kubectl onload resume -n ${ns} -r onload, then run the same helm upgrade again (e.g. "helm upgrade rel <chart> -n ${ns} --reuse-values")`,
    );
    expect(result.out).toMatch(/worker-1 +upgrade-done +v1 \/ v1 +v1 \/ v1 +-/);
    expect(result.out).toMatch(/worker-2 +- +v1 \/ v1/);
  });

  it('prints the same as data with -o json', async () => {
    const result = await run(cluster(onload('onload')), '-n', ns, 'status', '-o', 'json');
    const doc = JSON.parse(result.out) as { name: string; nodes: { name: string }[] };
    expect(doc.name).toBe('onload');
    expect(doc.nodes.map((n) => n.name)).toEqual(['worker-1', 'worker-2']);
  });

  it('says which namespace has no Onload and what to pass', async () => {
    const result = await run(cluster(), 'status');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'error: no Onload resource in namespace "default": pass -n/--namespace with the chart\'s release namespace (e.g. kubectl onload status -n onload)',
    );
  });

  it('asks for -r/--release when the namespace has several, and names the ones there are', async () => {
    const kube = cluster(onload('b'), onload('a'));
    const several = await run(kube, 'status', '-n', ns);
    expect(several.code).toBe(2);
    expect(several.err).toBe(
      `error: namespace "${ns}" has 2 Onload resources (a, b): pick one with -r/--release <name>`,
    );
    expect((await run(kube, 'status', '-n', ns, '-r', 'b')).out).toContain('Onload b in namespace');
    const unknown = await run(kube, 'status', '-n', ns, '--release', 'c');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe(
      `error: no Onload "c" in namespace "${ns}" (flag -r/--release): it has a, b; pass one of them`,
    );
  });

  it('exits 1 naming the call when the cluster refuses', async () => {
    const kube = cluster(onload('onload'));
    kube.listOnloads = () =>
      Promise.reject(new KubeError(`list Onload in ${ns}`, { code: 403, body: 'forbidden' }));
    const result = await run(kube, 'status', '-n', ns);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`error: list Onload in ${ns} failed (HTTP 403): forbidden`);
  });
});

describe('kubectl onload pause and resume', () => {
  it('sets the pause annotation once, removes it on resume, and says what to run next', async () => {
    const kube = cluster(onload('onload', { 'meta.helm.sh/release-name': 'rel' }));
    const paused = await run(kube, 'pause', '-n', ns);
    expect(paused.code).toBe(0);
    expect(kube.onloads.get('onload')?.annotations[pauseAnnotation]).toBe('true');
    expect(paused.out).toContain(`Onload onload in namespace ${ns}: rollout paused`);
    expect(paused.out).toContain(`Resume: kubectl onload resume -n ${ns} -r onload`);

    const again = await run(kube, 'pause', '-n', ns);
    expect(again.out).toContain('is already paused');
    expect(kube.requests.get('patchOnloadAnnotations')).toBe(1);

    const resumed = await run(kube, 'resume', '-n', ns);
    expect(resumed.code).toBe(0);
    expect(kube.onloads.get('onload')?.annotations).not.toHaveProperty([pauseAnnotation]);
    expect(resumed.out).toContain(
      `run the same helm upgrade again (e.g. "helm upgrade rel <chart> -n ${ns} --reuse-values"), or let Argo CD sync`,
    );
    expect((await run(kube, 'resume', '-n', ns)).out).toContain('is not paused');
  });

  it('pauses only the Onload -r/--release names', async () => {
    const kube = cluster(onload('a'), onload('b'));
    expect((await run(kube, 'pause', '-n', ns, '-r', 'b')).code).toBe(0);
    expect(kube.onloads.get('b')?.annotations[pauseAnnotation]).toBe('true');
    expect(kube.onloads.get('a')?.annotations).toEqual({});
  });
});

describe('kubectl onload skip and unskip', () => {
  it('labels and unlabels the node through the node writer', async () => {
    const kube = cluster(onload('onload'));
    const skipped = await run(kube, 'skip', 'worker-2', '-n', ns);
    expect(skipped.code).toBe(0);
    expect(labels(kube, 'worker-2')[skipLabel]).toBe('true');
    expect(skipped.out).toContain(`node worker-2 labelled ${skipLabel}=true`);
    expect(skipped.out).toContain('kubectl onload unskip worker-2, then run the same helm upgrade');

    expect((await run(kube, 'skip', 'worker-2')).out).toContain('already carries');
    expect(kube.requests.get('patchNode')).toBe(1);

    const unskipped = await run(kube, 'unskip', 'worker-2');
    expect(unskipped.code).toBe(0);
    expect(labels(kube, 'worker-2')).not.toHaveProperty([skipLabel]);
    expect(unskipped.out).toContain(`node worker-2: label ${skipLabel} removed`);
    expect((await run(kube, 'unskip', 'worker-2')).out).toContain('is not skipped');
  });

  it('says that a node whose upgrade is under way is finished first', async () => {
    const kube = cluster(onload('onload'));
    kube.putNode(node('worker-3', { version: 'v1', state: 'evicting', paused: true }));
    const result = await run(kube, 'skip', 'worker-3', '-n', ns);
    expect(result.out).toContain(
      'Its upgrade is under way (evicting): the running rollout still finishes it.',
    );
  });

  it('refuses a node that does not exist', async () => {
    const kube = cluster(onload('onload'));
    const result = await run(kube, 'skip', 'worker-9');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'error: node "worker-9" not found: "kubectl get nodes" lists the nodes',
    );
    expect(kube.requests.get('patchNode')).toBeUndefined();
  });

  it('re-reads and writes again when the node changed in between', async () => {
    const kube = cluster(onload('onload'));
    const patchNode = kube.patchNode.bind(kube);
    let first = true;
    kube.patchNode = (name, patch, resourceVersion) => {
      if (first) {
        first = false;
        kube.editNode(name, () => ({}));
      }
      return patchNode(name, patch, resourceVersion);
    };
    expect((await run(kube, 'skip', 'worker-1')).code).toBe(0);
    expect(labels(kube, 'worker-1')[skipLabel]).toBe('true');
    expect(kube.requests.get('getNode')).toBe(2);
  });
});
