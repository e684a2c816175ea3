import { describe, expect, it } from '@jest/globals';
import { readyLabel, versionReadyLabel } from '../kmm/labels.ts';
import { node, pod } from '../test-objects.ts';
import { driverGate, initWaitingStatus, maxPodsOf, onloadCapacity, readyStatus } from './gate.ts';

const plugin = (version: string, extra: Parameters<typeof pod>[1] = {}) =>
  pod(
    { 'app.kubernetes.io/component': 'device-plugin', 'onload.amd.com/version': version },
    {
      hostNetwork: true,
      initContainers: [{ name: 'init', image: 'user:1' }],
      containers: [
        { name: 'device-plugin', image: 'dp:1', args: ['-maxPods=7', '-setPreload=true'] },
      ],
      ...extra,
    },
  );
const ready = readyLabel('ns', 'onload');
const versionReady = versionReadyLabel('ns', 'onload');
const readyCondition = { conditions: [{ type: 'Ready', status: 'True' }] };

describe('driverGate', () => {
  it('opens when the loaded onload version equals the pod userland version', () => {
    expect(driverGate(plugin('v2'), { [ready]: '', [versionReady]: 'v2' })).toEqual({ open: true });
  });

  it('stays shut, saying why, when the driver is missing or another version', () => {
    expect(driverGate(plugin('v2'), {})).toEqual({
      open: false,
      why: "waiting: the onload driver is not loaded on this node, this pod's Onload userland is v2; the node's driver upgrade will load v2",
    });
    const other = driverGate(plugin('v2'), { [ready]: '', [versionReady]: 'v1' });
    expect(other.open ? '' : other.why).toContain('the loaded onload driver is v1');
  });

  it('trusts .ready alone where KMM < 2.5 writes no version', () => {
    expect(driverGate(plugin('v2'), { [ready]: '' })).toEqual({ open: true });
  });

  it('reads the driver of the pod namespace only', () => {
    expect(driverGate(plugin('v2'), { [versionReadyLabel('other', 'onload')]: 'v2' }).open).toBe(
      false,
    );
  });
});

describe('pod status', () => {
  it('reports the init step running and the pod Pending while the gate is shut', () => {
    const status = initWaitingStatus(plugin('v2'), node(), new Date('2026-01-01T00:00:00Z'));
    expect(status.phase).toBe('Pending');
    expect(status.initContainerStatuses?.[0]?.state.running).toBeDefined();
    expect(status.containerStatuses?.[0]?.state.waiting?.reason).toBe('PodInitializing');
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(status.podIP).toBe('10.1.0.1');
  });

  it('reports Running and Ready once it opens', () => {
    const status = readyStatus(plugin('v2'), node(), new Date('2026-01-01T00:00:00Z'));
    expect(status.phase).toBe('Running');
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(status.containerStatuses?.every((c) => c.ready)).toBe(true);
  });
});

describe('amd.com/onload capacity', () => {
  it('reads -maxPods (default 100)', () => {
    expect(maxPodsOf(plugin('v2'))).toBe(7);
    expect(maxPodsOf(pod({}))).toBe(100);
  });

  it('advertises a Ready plugin maxPods and drops to 0 when none is Ready', () => {
    expect(onloadCapacity(node(), [plugin('v2', { status: readyCondition })])).toBe('7');
    expect(
      onloadCapacity(node({}, { allocatable: '7' }), [plugin('v2', { status: readyCondition })]),
    ).toBeUndefined();
    expect(onloadCapacity(node({}, { allocatable: '7' }), [plugin('v2')])).toBe('0');
    expect(
      onloadCapacity(node({}, { allocatable: '7' }), [
        plugin('v2', { status: readyCondition, deleting: true }),
      ]),
    ).toBe('0');
  });

  it('leaves a node that never had a plugin without the resource', () => {
    expect(onloadCapacity(node(), [])).toBeUndefined();
  });
});
