import { describe, expect, it } from '@jest/globals';
import {
  isClusterWideRead,
  parseAuditLog,
  serviceAccountUser,
  summariseRequests,
  type ApiRequest,
} from './audit.ts';

const hooks = serviceAccountUser('onload', 'onload-hooks');
const other = serviceAccountUser('kube-system', 'daemon-set-controller');
let seq = 0;

function line(
  user: string,
  verb: string,
  uri: string,
  ref: Record<string, string>,
  at: string,
  extra: Record<string, unknown> = {},
): string {
  seq++;
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${seq}`,
    stage: 'ResponseComplete',
    requestURI: uri,
    verb,
    user: { username: user, groups: ['system:serviceaccounts'] },
    objectRef: ref,
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
    ...extra,
  });
}

describe('audit log counting', () => {
  const log = [
    line(
      hooks,
      'list',
      '/api/v1/nodes?labelSelector=feature.node.kubernetes.io%2Fpci-1924.present%3Dtrue',
      { resource: 'nodes', apiVersion: 'v1' },
      '2026-01-01T00:00:00.100000Z',
    ),
    line(
      hooks,
      'patch',
      '/api/v1/nodes/w1',
      { resource: 'nodes', name: 'w1', apiVersion: 'v1' },
      '2026-01-01T00:00:01.250000Z',
    ),
    line(
      hooks,
      'create',
      '/api/v1/namespaces/trading/pods/p1/eviction',
      { resource: 'pods', subresource: 'eviction', namespace: 'trading', name: 'p1' },
      '2026-01-01T00:00:02.000000Z',
      { responseStatus: { code: 429 } },
    ),
    line(
      hooks,
      'watch',
      '/api/v1/pods?allowWatchBookmarks=true&fieldSelector=spec.nodeName%3Dw1&watch=true',
      { resource: 'pods', apiVersion: 'v1' },
      '2026-01-01T00:00:02.500000Z',
    ),
    line(
      hooks,
      'list',
      '/api/v1/pods?limit=500',
      { resource: 'pods', apiVersion: 'v1' },
      '2026-01-01T00:00:03.000000Z',
    ),
    line(
      hooks,
      'list',
      '/api/v1/namespaces/onload/pods',
      { resource: 'pods', namespace: 'onload' },
      '2026-01-01T00:00:03.100000Z',
    ),
    line(
      other,
      'list',
      '/api/v1/pods',
      { resource: 'pods', apiVersion: 'v1' },
      '2026-01-01T00:00:03.200000Z',
    ),
    line(
      hooks,
      'patch',
      '/api/v1/nodes/w2',
      { resource: 'nodes', name: 'w2' },
      '2026-01-01T00:10:00.000000Z',
    ),
  ].join('\n');

  it('reads one record per request with resource/subresource and selectors', () => {
    const requests = parseAuditLog(`${log}\n\n`);
    expect(requests).toHaveLength(8);
    expect(requests[2]).toEqual(
      expect.objectContaining({
        verb: 'create',
        resource: 'pods/eviction',
        namespace: 'trading',
        name: 'p1',
        code: 429,
        narrowed: false,
      }),
    );
    expect(requests[0]?.narrowed).toBe(true);
    expect(requests[1]?.receivedAt).toBe(Date.parse('2026-01-01T00:00:01.250Z'));
  });

  it('merges the stages of one watch, keeping the status it ended with', () => {
    const started = JSON.stringify({
      auditID: 'w',
      stage: 'ResponseStarted',
      verb: 'watch',
      requestURI: '/api/v1/nodes?watch=true',
      user: { username: hooks },
      objectRef: { resource: 'nodes' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2026-01-01T00:00:00Z',
    });
    const complete = JSON.stringify({
      auditID: 'w',
      stage: 'ResponseComplete',
      verb: 'watch',
      requestURI: '/api/v1/nodes?watch=true',
      user: { username: hooks },
      objectRef: { resource: 'nodes' },
      requestReceivedTimestamp: '2026-01-01T00:00:00Z',
    });
    const [only, ...rest] = parseAuditLog([started, complete].join('\n'));
    expect(rest).toEqual([]);
    expect(only).toEqual(expect.objectContaining({ verb: 'watch', code: 200 }));
  });

  it('names the line that is not JSON', () => {
    expect(() => parseAuditLog('{"auditID":"a"}\nnot json')).toThrow(/line 2 is not JSON/);
  });

  it('tells cluster-wide pod and node reads from narrowed or namespaced ones', () => {
    const requests = parseAuditLog(log);
    expect(requests.filter(isClusterWideRead).map((r) => r.uri)).toEqual([
      '/api/v1/pods?limit=500',
      '/api/v1/pods',
    ]);
  });

  it("counts one user's requests in a time window, by kind and status", () => {
    const requests = parseAuditLog(log);
    const s = summariseRequests(requests, {
      user: hooks,
      from: Date.parse('2026-01-01T00:00:00Z'),
      to: Date.parse('2026-01-01T00:01:00Z'),
    });
    expect(s.total).toBe(6);
    expect(s.byKind).toEqual({
      'list pods': 2,
      'create pods/eviction': 1,
      'list nodes': 1,
      'patch nodes': 1,
      'watch pods': 1,
    });
    expect(Object.keys(s.byKind)[0]).toBe('list pods');
    expect(s.byStatus).toEqual({ '200': 5, '429': 1 });
    expect(s.firstNodePatchAt).toBe(Date.parse('2026-01-01T00:00:01.250Z'));
    expect(s.clusterWideReads.map((r: ApiRequest) => r.uri)).toEqual(['/api/v1/pods?limit=500']);
    expect(s.clusterWideReadsDuringNodeSteps).toHaveLength(1);
  });

  it('has no node-step reads when the process never patched a node', () => {
    const s = summariseRequests(parseAuditLog(log), { user: hooks, from: 0, to: 1 });
    expect(s.total).toBe(0);
    expect(s.firstNodePatchAt).toBeUndefined();
    expect(s.clusterWideReadsDuringNodeSteps).toEqual([]);
  });
});
