import { describe, expect, it } from '@jest/globals';
import { pausedLabel } from '../../hooks/src/contract.ts';
import type { KubeObject, ObservedObject } from '../e2e/invariants.ts';
import { OutageRecorder } from './outages.ts';

const ns = 'onload';
let rv = 0;

function nodeEvent(name: string, paused: boolean, at: number): ObservedObject {
  const object: KubeObject = {
    metadata: { name, labels: paused ? { [pausedLabel(ns)]: '' } : {} },
  };
  return { kind: 'Node', type: 'MODIFIED', resourceVersion: ++rv, object, at };
}

function devicePlugin(
  name: string,
  node: string,
  state: 'ready' | 'starting' | 'terminating' | 'deleted',
  at: number,
  namespace = ns,
): ObservedObject {
  const object: KubeObject = {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/component': 'device-plugin' },
      ...(state === 'terminating' ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: node },
    status: { conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }] },
  };
  const type = state === 'deleted' ? 'DELETED' : 'MODIFIED';
  return { kind: 'Pod', type, resourceVersion: ++rv, object, at };
}

describe('OutageRecorder', () => {
  it('times each node from losing its last Ready device plugin to having one Ready again', () => {
    const r = new OutageRecorder(ns);
    r.observe(devicePlugin('dp-a', 'a', 'ready', 0));
    r.observe(devicePlugin('dp-b', 'b', 'ready', 0));
    r.observe(devicePlugin('dp-a', 'a', 'terminating', 1000));
    r.observe(devicePlugin('dp-a', 'a', 'deleted', 1500));
    r.observe(devicePlugin('dp-a2', 'a', 'starting', 3000));
    r.observe(devicePlugin('dp-b', 'b', 'terminating', 3500));
    r.observe(devicePlugin('dp-a2', 'a', 'ready', 4200));
    r.observe(devicePlugin('dp-b2', 'b', 'ready', 6000));
    const f = r.figures();
    expect(f.outageSeconds).toEqual([3.2, 2.5]);
    expect(f.mostNodesWithoutDevicePlugin).toBe(2);
    expect(f.open).toEqual([]);
  });

  it('counts the most nodes paused at once and reports outages still open', () => {
    const r = new OutageRecorder(ns);
    r.observe(nodeEvent('a', true, 0));
    r.observe(nodeEvent('b', true, 1));
    r.observe(nodeEvent('a', false, 2));
    r.observe(nodeEvent('c', true, 3));
    r.observe(devicePlugin('dp-c', 'c', 'ready', 0));
    r.observe(devicePlugin('dp-c', 'c', 'deleted', 5));
    const f = r.figures();
    expect(f.mostNodesPaused).toBe(2);
    expect(f.open).toEqual(['c']);
    expect(f.outageSeconds).toEqual([]);
  });

  it('ignores other releases and other components', () => {
    const r = new OutageRecorder(ns);
    r.observe(devicePlugin('dp-x', 'x', 'ready', 0, 'other'));
    r.observe(devicePlugin('dp-x', 'x', 'deleted', 10, 'other'));
    expect(r.figures()).toEqual({
      outageSeconds: [],
      mostNodesPaused: 0,
      mostNodesWithoutDevicePlugin: 0,
      open: [],
    });
  });
});
