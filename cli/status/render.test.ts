import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { nodeAnnotation, skipLabel } from '../../hooks/src/contract.ts';
import type { OnloadView } from '../../hooks/src/kube/port.ts';
import { node, ns } from '../../hooks/src/testing/fixtures.ts';
import { renderStatus } from './render.ts';
import { buildStatus, statusDocument } from './report.ts';

const now = Date.parse('2026-11-30T12:00:00Z');
const t = (iso: string) => Date.parse(iso);

const onload: OnloadView = {
  name: 'onload',
  uid: 'u',
  generation: 3,
  annotations: {},
  selector: { nic: 'sfc' },
  status: {
    phase: 'Failed',
    desiredVersion: 'v2',
    versions: { v2: 1, v1: 2 },
    nodes: { total: 3, upToDate: 1, upgrading: 1, pending: 0, failed: 1, skipped: 0 },
    failedNodes: [
      { name: 'c', reason: 'EvictionTimeout', message: 'pod apps/web blocked by pdb web' },
    ],
    rollout: { fromVersion: 'v1', toVersion: 'v2', startedAt: '2026-11-30T11:50:00Z' },
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'NodesFailed',
        message: '1 node failed',
        lastTransitionTime: '',
      },
    ],
  },
};

const nodes = [
  node('b', {
    labels: { nic: 'sfc' },
    onload: 'v2',
    sfc: 'v2',
    onloadLoaded: 'v1',
    sfcLoaded: 'v2',
    state: 'reloading-driver',
    paused: true,
    since: t('2026-11-30T11:58:30Z'),
    allocatable: 0,
  }),
  node('a', {
    labels: { nic: 'sfc' },
    version: 'v2',
    loaded: 'v2',
    state: 'upgrade-done',
    allocatable: 100,
  }),
  node('c', {
    labels: { nic: 'sfc', [skipLabel]: 'true' },
    version: 'v1',
    loaded: 'v1',
    state: 'upgrade-failed',
    since: t('2026-11-30T11:55:00Z'),
    annotations: {
      [nodeAnnotation(ns, 'reason')]: 'EvictionTimeout',
      [nodeAnnotation(ns, 'message')]: 'pod apps/web blocked by pdb web',
    },
    unschedulable: true,
  }),
  // Left the selector but still carries the release's labels: shown until the labeller cleans it.
  node('d', { version: 'v1', oldKmm: true, loaded: 'v1' }),
  // Neither selected nor labelled: not the release's.
  node('e'),
];

const status = buildStatus(ns, onload, nodes);

describe('status report', () => {
  it('keeps the nodes the selector picks or that carry the release labels, by name', () => {
    expect(status.nodes.map((n) => n.node.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('renders the summary and one row per node', () => {
    expect(renderStatus(status, 'table', now).split('\n')).toEqual([
      `Onload onload in namespace ${ns}: Failed · desired version v2`,
      'Nodes: 1/3 up to date · 1 upgrading · 0 pending · 1 failed · 0 skipped',
      'Loaded: v2 on 1, v1 on 2',
      'Rollout: v1 → v2 · started 2026-11-30T11:50:00Z',
      'Conditions: Ready=False (NodesFailed)',
      'Failed: c: EvictionTimeout: pod apps/web blocked by pdb web',
      '',
      'NODE  STATE                     ONLOAD want/loaded  SFC want/loaded  NOTES',
      'a     upgrade-done              v2 / v2             v2 / v2          -',
      'b     reloading-driver (1m30s)  v2 / v1             v2 / v2          paused',
      'c     upgrade-failed (5m00s)    v1 / v1             v1 / v1          skip, failed: EvictionTimeout',
      'd     -                         v1 / loaded         v1 / loaded      -',
    ]);
  });

  it('adds the target, device plugin, devices, node condition and failure messages with -o wide', () => {
    const lines = renderStatus(status, 'wide', now).split('\n');
    expect(lines).toContain('Conditions: Ready=False (NodesFailed: 1 node failed)');
    const table = lines.slice(lines.indexOf('') + 1).map((l) => l.split(/\s{2,}/));
    expect(table[0]).toEqual([
      'NODE',
      'STATE',
      'ONLOAD want/loaded',
      'SFC want/loaded',
      'TARGET',
      'DEVICE PLUGIN',
      'amd.com/onload',
      'NODE STATUS',
      'NOTES',
    ]);
    expect(table[2]).toEqual([
      'b',
      'reloading-driver (1m30s)',
      'v2 / v1',
      'v2 / v2',
      '-',
      'paused',
      '0',
      'Ready',
      'paused',
    ]);
    expect(table[3]).toEqual([
      'c',
      'upgrade-failed (5m00s)',
      'v1 / v1',
      'v1 / v1',
      '-',
      'scheduled',
      '0',
      'Ready,SchedulingDisabled',
      'skip, failed: EvictionTimeout: pod apps/web blocked by pdb web',
    ]);
  });

  it('prints the same document as JSON and YAML', () => {
    const doc = statusDocument(status);
    expect(JSON.parse(renderStatus(status, 'json', now))).toEqual(doc);
    expect(parse(renderStatus(status, 'yaml', now))).toEqual(doc);
    expect(doc.nodes[2]).toEqual({
      name: 'c',
      state: 'upgrade-failed',
      since: '2026-11-30T11:55:00.000Z',
      modules: {
        onload: { desired: 'v1', loaded: 'v1', ready: true },
        sfc: { desired: 'v1', loaded: 'v1', ready: true },
      },
      paused: false,
      skip: true,
      failure: { reason: 'EvictionTimeout', message: 'pod apps/web blocked by pdb web' },
      ready: true,
      unschedulable: true,
      onloadDevices: 0,
    });
    expect(doc.nodes[3]?.modules.onload).toEqual({ desired: 'v1', ready: true });
  });

  it('leaves out the sfc column when no node has sfc, and says when no node is selected', () => {
    const onlyOnload = buildStatus(ns, onload, [
      node('a', { labels: { nic: 'sfc' }, onload: 'v1', sfc: null }),
    ]);
    expect(renderStatus(onlyOnload, 'table', now)).toContain(
      'NODE  STATE  ONLOAD want/loaded  NOTES',
    );
    expect(renderStatus(buildStatus(ns, onload, [node('e')]), 'table', now)).toContain(
      "No nodes: spec.selector (nic=sfc) matches none and none carries the release's labels.",
    );
  });
});
