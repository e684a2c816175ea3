// The test bed is a genuine Kubernetes control plane: these prove the behaviours the chart and
// hooks rely on, against the real API server, controllers and scheduler.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunResult } from '../../lib/process.ts';
import { waitFor } from '../../lib/wait.ts';
import {
  createNamespace,
  deleteNamespace,
  helm,
  kubectl,
  kubectlJson,
  testbed,
} from '../session.ts';

interface PodList {
  items: {
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { conditions?: { type: string; status: string }[] };
  }[];
}

const isReady = (pod: PodList['items'][number]): boolean =>
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('test bed', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await createNamespace('smoke');
  });
  afterAll(async () => {
    await deleteNamespace(ns);
  });

  it('serves the pinned Kubernetes version', async () => {
    const version = await kubectlJson<{ serverVersion: { gitVersion: string } }>(['version']);
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.36\.\d+$/);
  });

  it('creates and fully deletes a namespace (namespace controller runs)', async () => {
    const name = await createNamespace('ns-lifecycle');
    await kubectl(['create', 'configmap', 'x', '-n', name, '--from-literal=a=b']);
    await deleteNamespace(name);
    const result = await kubectl(['get', 'namespace', name], { allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('NotFound');
  });

  it('runs a Job to completion', async () => {
    await kubectl(['create', 'job', 'done', '-n', ns, '--image=busybox', '--', 'true']);
    await kubectl(['wait', '-n', ns, 'job/done', '--for=condition=Complete', '--timeout=60s']);
    const job = await kubectlJson<{ status: { succeeded?: number } }>([
      'get',
      'job',
      'done',
      '-n',
      ns,
    ]);
    expect(job.status.succeeded).toBe(1);
  });

  it('schedules exactly one Ready DaemonSet pod per node', async () => {
    const nodes = testbed().nodes;
    // Only the bed's own nodes: other test files sharing the bed add nodes of their own.
    const ownNodes = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          // Terms are ORed; a field selector term takes one name.
          nodeSelectorTerms: nodes.map((name) => ({
            matchFields: [{ key: 'metadata.name', operator: 'In', values: [name] }],
          })),
        },
      },
    };
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'per-node', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'per-node' } },
        template: {
          metadata: { labels: { app: 'per-node' } },
          spec: {
            affinity: ownNodes,
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image: 'busybox' }],
          },
        },
      },
    };
    await kubectl(['apply', '-f', '-'], { input: stringify(ds) });
    const pods = await waitFor(
      'one Ready pod per node',
      async () => {
        const list = await kubectlJson<PodList>(['get', 'pods', '-n', ns, '-l', 'app=per-node']);
        return list.items.length === nodes.length && list.items.every(isReady)
          ? list.items
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(nodes));
  });

  it('refuses an eviction blocked by a PodDisruptionBudget with 429 and evicts once allowed', async () => {
    const manifest = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'guarded', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'guarded' } },
          template: {
            metadata: { labels: { app: 'guarded' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: 'c', image: 'busybox' }],
            },
          },
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'guard', namespace: ns },
        spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'guarded' } } },
      },
    ]
      .map((o) => stringify(o))
      .join('---\n');
    await kubectl(['apply', '-f', '-'], { input: manifest });
    const pdbObserved = async (generation: number, allowed: number): Promise<boolean> => {
      const pdb = await kubectlJson<{
        status?: {
          observedGeneration?: number;
          disruptionsAllowed?: number;
          expectedPods?: number;
        };
      }>(['get', 'pdb', 'guard', '-n', ns]);
      return (
        pdb.status?.observedGeneration === generation &&
        pdb.status.expectedPods === 1 &&
        pdb.status.disruptionsAllowed === allowed
      );
    };
    await waitFor('the disruption controller to count the guarded pod', () => pdbObserved(1, 0), {
      timeoutMs: 60_000,
    });
    const pods = await kubectlJson<PodList>(['get', 'pods', '-n', ns, '-l', 'app=guarded']);
    const podName = pods.items[0]?.metadata.name ?? '';
    const eviction = JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: podName, namespace: ns },
    });
    const evict = (): Promise<RunResult> =>
      kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/pods/${podName}/eviction`, '-f', '-'], {
        input: eviction,
        allowFailure: true,
      });

    const blocked = await evict();
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('TooManyRequests');
    expect(blocked.stderr).toContain('disruption budget');

    await kubectl([
      'patch',
      'pdb',
      'guard',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"maxUnavailable":1}}',
    ]);
    await waitFor('the PDB to allow one disruption', () => pdbObserved(2, 1), {
      timeoutMs: 60_000,
    });
    const allowed = await evict();
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    await waitFor(
      'the evicted pod to be gone',
      async () =>
        (await kubectl(['get', 'pod', podName, '-n', ns], { allowFailure: true })).code !== 0,
      {
        timeoutMs: 30_000,
      },
    );
  });

  describe.each([3, 4] as const)('Helm %i', (major) => {
    let chart: string;
    beforeAll(async () => {
      chart = await mkdtemp(join(tmpdir(), 'tiny-chart-'));
      await mkdir(join(chart, 'templates'));
      await writeFile(
        join(chart, 'Chart.yaml'),
        'apiVersion: v2\nname: tiny\nversion: 0.1.0\nkubeVersion: ">=1.36.0-0"\n',
      );
      await writeFile(
        join(chart, 'templates', 'configmap.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-data\ndata:\n  helm: "{{ .Capabilities.KubeVersion.Version }}"\n',
      );
    });
    afterAll(async () => {
      await rm(chart, { recursive: true, force: true });
    });

    it('installs and uninstalls a chart', async () => {
      const release = `tiny${major}`;
      await helm(major, ['install', release, chart, '-n', ns, '--wait', '--timeout', '60s']);
      const cm = await kubectlJson<{ data: { helm: string } }>([
        'get',
        'configmap',
        `${release}-data`,
        '-n',
        ns,
      ]);
      expect(cm.data.helm).toMatch(/^v1\.36\./);
      await helm(major, ['uninstall', release, '-n', ns, '--wait']);
      expect(
        (await kubectl(['get', 'configmap', `${release}-data`, '-n', ns], { allowFailure: true }))
          .code,
      ).not.toBe(0);
    });
  });
});
