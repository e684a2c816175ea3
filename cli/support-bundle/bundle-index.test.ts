import { describe, expect, it } from '@jest/globals';
import { buildIndex, classify, renderReadme } from './bundle-index.ts';
import { SourceError } from './source.ts';

const modules = {
  verb: 'list',
  resource: 'modules.kmm.sigs.x-k8s.io',
  namespace: 'onload',
} as const;

describe('failure classification', () => {
  it('names the RBAC verb and resource a 403 lacks', () => {
    const f = classify('list modules', new SourceError('modules is forbidden', 403), modules);
    expect(f.reason).toBe('forbidden');
    expect(f.detail).toContain(
      'needs RBAC verb "list" on "modules.kmm.sigs.x-k8s.io" in namespace onload',
    );
    const logs = classify('log', new SourceError('no', 403), { verb: 'get', resource: 'pods/log' });
    expect(logs.detail).toContain('"get" on "pods/log" cluster-wide');
  });

  it('tells a kind not served (404 on a list) from an object not found, and a timeout', () => {
    expect(classify('mic', new SourceError('nf', 404), modules).reason).toBe('not-served');
    expect(
      classify('ns', new SourceError('nf', 404), { verb: 'get', resource: 'namespaces' }).reason,
    ).toBe('not-found');
    expect(classify('log', new SourceError('waiting to start', 400), undefined)).toEqual({
      item: 'log',
      reason: 'unavailable',
      detail: 'waiting to start',
    });
    expect(classify('slow', undefined, modules, 500)).toEqual({
      item: 'slow',
      reason: 'timeout',
      detail: 'no answer within 500 ms',
    });
    expect(classify('x', new SourceError('boom', 500), undefined).detail).toBe('HTTP 500: boom');
  });
});

describe('the index', () => {
  const index = buildIndex(
    {
      createdAt: '2025-01-02T03:04:05.000Z',
      namespace: 'onload',
      serverVersion: 'v1.33.0',
      settings: { timeoutMs: 500 },
    },
    [
      { path: 'pods/b/pod.yaml', bytes: 12345, item: 'list pods' },
      { path: 'cluster/onload/onload.yaml', bytes: 7, item: 'list onloads', note: 'a note' },
    ],
    [
      { item: 'list z', reason: 'timeout', detail: 'no answer within 500 ms' },
      { item: 'list a', reason: 'forbidden', detail: 'forbidden: needs RBAC verb "list"' },
    ],
  );

  it('lists files and failures sorted', () => {
    expect(index.format).toBe(1);
    expect(index.files.map((f) => f.path)).toEqual([
      'cluster/onload/onload.yaml',
      'pods/b/pod.yaml',
    ]);
    expect(index.failures.map((f) => f.item)).toEqual(['list a', 'list z']);
  });

  it('renders a README with the same files and every failure with its reason', () => {
    const readme = renderReadme(index);
    expect(readme).toContain('namespace:      onload');
    expect(readme).toContain('Kubernetes:     v1.33.0');
    expect(readme).toContain('not collected:  2');
    expect(readme).toContain('  list a\n    forbidden: forbidden: needs RBAC verb "list"');
    expect(readme).toContain('  list z\n    timeout: no answer within 500 ms');
    expect(readme).toContain('      7  cluster/onload/onload.yaml  (a note)');
    expect(readme).toContain('  12345  pods/b/pod.yaml');
    expect(readme).toContain('timeoutMs: 500');
  });
});
