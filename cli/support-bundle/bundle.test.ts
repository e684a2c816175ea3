import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { BundleIndex } from './bundle-index.ts';
import { writeSupportBundle, type SupportBundleOptions } from './bundle.ts';
import { event, helmSecret, meta, node, pod } from './fixtures.ts';
import { paths } from './layout.ts';
import { MemorySource } from './memory-source.ts';
import { kinds } from './source.ts';

const ns = 'onload';
const selected = { 'feature.node.kubernetes.io/pci-1924.present': 'true' };
const pem = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
const root = 'bundle';
const now = () => new Date('2025-01-02T03:04:05Z');

function cluster(): MemorySource {
  const source = new MemorySource();
  source
    .add(kinds.namespaces, meta(ns))
    .add(kinds.onloads, {
      ...meta('onload', ns),
      spec: { selector: selected },
      status: { phase: 'Ready' },
    })
    .add(kinds.nodes, node('worker-2', selected), node('worker-1', selected), node('other'))
    .add(kinds.modules, meta('sfc', ns), meta('onload', ns), meta('elsewhere', 'other-ns'))
    .add(kinds.nodeModulesConfigs, meta('worker-1'))
    .add(kinds.daemonSets, meta('onload-device-plugin', ns))
    .add(kinds.jobs, meta('onload-post', ns))
    .add(kinds.events, event('e2', ns, 'Pod', 'p', '2025-01-02T00:00:02Z'))
    .add(kinds.events, event('e1', ns, 'Onload', 'onload', '2025-01-02T00:00:01Z'))
    .add(kinds.events, event('n1', 'default', 'Node', 'worker-1', '2025-01-01T00:00:00Z'))
    .add(kinds.events, event('n2', 'default', 'Node', 'other', '2025-01-01T00:00:00Z'))
    .add(
      kinds.pods,
      pod(
        'onload-device-plugin-abc',
        ns,
        { init: ['init'], main: ['device-plugin'] },
        { 'device-plugin': 2 },
      ),
      pod('onload-post-xyz', ns, { main: ['hook'] }),
      {
        ...pod('worker-pod', ns, { main: ['worker'] }),
        metadata: { name: 'worker-pod', namespace: ns, annotations: { key: pem } },
      },
      pod(
        'kmm-operator-controller-1',
        'kmm-operator-system',
        { main: ['manager'] },
        {},
        { 'control-plane': 'controller' },
      ),
      pod('unrelated', 'kmm-operator-system', { main: ['x'] }),
    )
    .add(
      kinds.secrets,
      helmSecret('onload', 1),
      helmSecret('onload', 2, {
        config: { registry: { password: 'hunter2' }, onload: { version: '9.0.2' } },
      }),
      helmSecret('other', 1, { chart: 'something-else' }),
      {
        ...meta('plain', ns),
        data: { token: Buffer.from('plain-secret-value').toString('base64') },
      },
    )
    .setLog(
      { namespace: ns, pod: 'onload-device-plugin-abc', container: 'init', previous: false },
      'init done\n',
    )
    .setLog(
      {
        namespace: ns,
        pod: 'onload-device-plugin-abc',
        container: 'device-plugin',
        previous: false,
      },
      'serving\n',
    )
    .setLog(
      {
        namespace: ns,
        pod: 'onload-device-plugin-abc',
        container: 'device-plugin',
        previous: true,
      },
      'crashed\n',
    )
    .setLog(
      { namespace: ns, pod: 'onload-post-xyz', container: 'hook', previous: false },
      'x'.repeat(100),
    )
    .setLog(
      {
        namespace: 'kmm-operator-system',
        pod: 'kmm-operator-controller-1',
        container: 'manager',
        previous: false,
      },
      'reconciled\n',
    );
  source.notServed.add('moduleimagesconfigs.kmm.sigs.x-k8s.io');
  source.forbidden.add('poddisruptionbudgets.policy');
  source.hanging.add('deployments.apps');
  return source;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bundle(
  source: MemorySource,
  extra: Partial<SupportBundleOptions> = {},
  name = 'out',
) {
  const output = join(dir, `${name}.tar.gz`);
  const lines: string[] = [];
  const report = await writeSupportBundle(
    {
      source,
      namespace: ns,
      output,
      now,
      bundleName: root,
      timeoutMs: 300,
      logLimitBytes: 64,
      ...extra,
    },
    (line) => lines.push(line),
  );
  const into = join(dir, name);
  execFileSync('mkdir', ['-p', into]);
  execFileSync('tar', ['-xzf', output, '-C', into]);
  const read = (path: string) => readFile(join(into, root, path), 'utf8');
  const listing = execFileSync('tar', ['-tzf', output], { encoding: 'utf8' }).trim().split('\n');
  return { report, lines, read, listing, output, into };
}

async function allText(folder: string): Promise<string> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'utf8')),
  );
  return texts.join('\n');
}

describe('writeSupportBundle over an in-memory cluster', () => {
  it('writes every collected item where the layout says, and an index of all of them', async () => {
    const { report, listing, read } = await bundle(cluster());
    const files = listing.map((p) => p.slice(root.length + 1));
    expect(files).toEqual(
      expect.arrayContaining([
        paths.version,
        paths.namespace,
        'cluster/onload/onload.yaml',
        'cluster/kmm/modules/onload.yaml',
        'cluster/kmm/modules/sfc.yaml',
        'cluster/kmm/nodemodulesconfigs/worker-1.yaml',
        'cluster/daemonsets/onload-device-plugin.yaml',
        'cluster/jobs/onload-post.yaml',
        'cluster/events.yaml',
        'nodes/worker-1/node.yaml',
        'nodes/worker-2/node.yaml',
        'nodes/worker-1/events.yaml',
        'pods/onload-device-plugin-abc/pod.yaml',
        'pods/onload-device-plugin-abc/init.log',
        'pods/onload-device-plugin-abc/device-plugin.log',
        'pods/onload-device-plugin-abc/device-plugin.previous.log',
        'pods/onload-post-xyz/hook.log',
        'pods/worker-pod/pod.yaml',
        'helm/onload/revision-1.yaml',
        'helm/onload/revision-2.yaml',
        'kmm-operator/kmm-operator-system/kmm-operator-controller-1/pod.yaml',
        'kmm-operator/kmm-operator-system/kmm-operator-controller-1/manager.log',
        'README.txt',
        'index.json',
      ]),
    );
    expect(files.filter((f) => /elsewhere|nodes\/other|helm\/other|unrelated/.test(f))).toEqual([]);
    expect(files.slice(-2)).toEqual(['README.txt', 'index.json']);

    const index = JSON.parse(await read('index.json')) as BundleIndex;
    expect(index.files.map((f) => f.path).sort()).toEqual(
      files.filter((f) => f !== 'README.txt' && f !== 'index.json').sort(),
    );
    expect(index).toEqual(report.index);
    expect(index.serverVersion).toBe('v1.33.0');
    expect(await read('pods/onload-device-plugin-abc/device-plugin.previous.log')).toBe(
      'crashed\n',
    );
    expect(await read('pods/onload-post-xyz/hook.log')).toBe('x'.repeat(64));
    expect(index.files.find((f) => f.path === 'pods/onload-post-xyz/hook.log')?.note).toBe(
      'last 64 bytes only',
    );
    expect(parse(await read('cluster/onload/onload.yaml'))).toEqual(
      expect.objectContaining({ status: { phase: 'Ready' } }),
    );
    const events = parse(await read('cluster/events.yaml')) as { metadata: { name: string } }[];
    expect(events.map((e) => e.metadata.name)).toEqual(['e1', 'e2']);
    const nodeEvents = parse(await read('nodes/worker-1/events.yaml')) as unknown[];
    expect(nodeEvents).toHaveLength(1);
  });

  it('records what it could not get, with the reason, and still writes the rest', async () => {
    const { report, read, lines } = await bundle(cluster());
    const failures = report.index.failures;
    const about = (text: string) => failures.find((f) => f.item.includes(text));
    expect(about('moduleimagesconfigs')).toEqual(expect.objectContaining({ reason: 'not-served' }));
    expect(about('poddisruptionbudgets')?.detail).toContain(
      'needs RBAC verb "list" on "poddisruptionbudgets.policy" cluster-wide',
    );
    expect(about('deployments')).toEqual(
      expect.objectContaining({ reason: 'timeout', detail: 'no answer within 300 ms' }),
    );
    expect(about('log of onload/worker-pod container worker')).toEqual(
      expect.objectContaining({ reason: 'not-found' }),
    );
    expect(about('openshift-kmm')).toBeUndefined();
    expect(failures).toHaveLength(4);
    const readme = await read('README.txt');
    for (const f of failures) expect(readme).toContain(`    ${f.reason}: ${f.detail}`);
    expect(lines[0]).toBe('collecting the support bundle of namespace onload');
    expect(lines.some((l) => l.startsWith('  not collected: forbidden:'))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^wrote .*out\.tar\.gz \(\d+ files, \d+ bytes; 4 items not collected/,
    );
  });

  it('never writes Secret data, redacts Helm values and PEM blocks', async () => {
    const { into, read } = await bundle(cluster());
    const everything = await allText(into);
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('plain-secret-value');
    expect(everything).not.toContain(Buffer.from('plain-secret-value').toString('base64'));
    expect(everything).not.toContain('BEGIN PRIVATE KEY');
    expect(everything).not.toContain(helmSecret('onload', 1).data.release.slice(0, 40));
    const revision = parse(await read('helm/onload/revision-2.yaml')) as Record<string, unknown>;
    expect(revision).toEqual(
      expect.objectContaining({
        revision: 2,
        status: 'deployed',
        chartVersion: '0.1.0',
        appVersion: '9.0.1',
        values: { registry: { password: 'REDACTED' }, onload: { version: '9.0.2' } },
      }),
    );
  });

  it('gives the same archive for the same cluster', async () => {
    const first = await bundle(cluster(), {}, 'one');
    const second = await bundle(cluster(), { concurrency: 1 }, 'two');
    expect(await readFile(second.output)).toEqual(await readFile(first.output));
  });

  it('runs collectors over the selected nodes and adds extra files, refusing unsafe paths', async () => {
    const seen: string[][] = [];
    const { report, read, listing } = await bundle(cluster(), {
      collectors: [
        {
          name: 'diagnostics',
          collect: ({ nodes }) => {
            seen.push([...nodes]);
            return Promise.resolve(
              nodes.map((n) => ({
                path: paths.nodeDiagnostics(n, 'report.txt'),
                content: `ok ${n}`,
              })),
            );
          },
        },
        { name: 'broken', collect: () => Promise.reject(new Error('pod never started')) },
      ],
      extraFiles: [
        { path: 'notes/admin.txt', content: 'it broke at 3am' },
        { path: '../escape.txt', content: 'no' },
      ],
    });
    expect(seen).toEqual([['worker-1', 'worker-2']]);
    expect(await read('nodes/worker-2/diagnostics/report.txt')).toBe('ok worker-2');
    expect(await read('notes/admin.txt')).toBe('it broke at 3am');
    expect(listing.some((p) => p.includes('escape'))).toBe(false);
    const failed = report.index.failures.map((f) => `${f.item}: ${f.reason}: ${f.detail}`);
    expect(failed).toEqual(
      expect.arrayContaining([
        'collector broken: failed: pod never started',
        expect.stringMatching(/^extra file: failed: bundle path "..\/escape.txt" must be relative/),
      ]),
    );
  });

  it('takes every node when the Onload CRs cannot be read, and names what is missing', async () => {
    const source = cluster();
    source.forbidden.add('onloads.onload.amd.com');
    source.forbidden.add('pods/log@kmm-operator-system');
    const { report, listing } = await bundle(source);
    expect(listing).toEqual(expect.arrayContaining([`${root}/nodes/other/node.yaml`]));
    const details = report.index.failures.map((f) => f.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"list" on "onloads.onload.amd.com" in namespace onload'),
        expect.stringContaining('"get" on "pods/log" in namespace kmm-operator-system'),
      ]),
    );
  });

  it('reports the KMM operator not found, and Helm releases missing', async () => {
    const source = new MemorySource().add(kinds.namespaces, meta(ns));
    const { report } = await bundle(source);
    const byReason = report.index.failures
      .filter((f) => f.reason === 'not-found')
      .map((f) => f.detail);
    expect(byReason).toEqual(
      expect.arrayContaining([
        expect.stringContaining('no pod labelled control-plane in (controller'),
        expect.stringContaining('no Helm release record'),
      ]),
    );
  });

  it('rejects and leaves nothing behind when the archive cannot be written', async () => {
    const output = join(dir, 'missing', 'out.tar.gz');
    await expect(
      writeSupportBundle({ source: cluster(), namespace: ns, output, now, timeoutMs: 300 }),
    ).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
