import { describe, expect, it } from '@jest/globals';
import { driverReportsAnnotation, userlandReportsAnnotation } from '../faults.ts';
import { readyLabel, versionReadyLabel } from '../kmm/labels.ts';
import { node, pod } from '../test-objects.ts';
import { driverGate, initWaitingStatus, maxPodsOf, onloadCapacity, readyStatus } from './gate.ts';

const fakeNode = (allocatable?: string) =>
  node(
    {},
    {
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      ...(allocatable !== undefined ? { allocatable } : {}),
    },
  );

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
  const hint = `node label ${versionReady}=v2`;
  const onNode = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
    node(labels, { annotations });

  it('opens when the loaded driver reports what the userland reports, as the init step prints', () => {
    expect(driverGate(plugin('v2'), onNode({ [ready]: '', [versionReady]: 'v2' }))).toEqual({
      open: true,
      intro: "this pod's Onload userland reports v2 (/opt/onload/usr/lib64/libonload.so)",
      line: "onload driver v2 matches this pod's userland",
    });
  });

  it('stays shut, saying why, when the driver is missing or reports another version', () => {
    expect(driverGate(plugin('v2'), onNode({}))).toEqual({
      open: false,
      intro: "this pod's Onload userland reports v2 (/opt/onload/usr/lib64/libonload.so)",
      line: "waiting: the onload driver is not loaded on this node; this pod's Onload userland reports v2",
    });
    expect(driverGate(plugin('v2'), onNode({ [ready]: '', [versionReady]: 'v1' })).line).toBe(
      `waiting: the loaded onload driver reports v1; this pod's Onload userland reports v2. They match once this node loads the driver of the same Onload build; if it already runs onload.version v2 (${hint}), they never will: onload.userImage and the kernel-module images are different Onload builds`,
    );
  });

  it('compares what driver and userland report, not the labels', () => {
    const gitBuild = {
      [driverReportsAnnotation]: JSON.stringify({ v2: '0123abcd 20260201 master ' }),
      [userlandReportsAnnotation]: JSON.stringify({ v2: '0123abcd  20260201 master' }),
    };
    expect(
      driverGate(plugin('v2'), onNode({ [ready]: '', [versionReady]: 'v2' }, gitBuild)),
    ).toEqual({
      open: true,
      intro:
        "this pod's Onload userland reports 0123abcd 20260201 master (/opt/onload/usr/lib64/libonload.so), not onload.version v2: fine if v2 names this build; the driver must report 0123abcd 20260201 master",
      line: "onload driver 0123abcd 20260201 master matches this pod's userland",
    });
    const staleUserImage = { [userlandReportsAnnotation]: JSON.stringify({ v2: 'v1' }) };
    const stuck = driverGate(
      plugin('v2'),
      onNode({ [ready]: '', [versionReady]: 'v2' }, staleUserImage),
    );
    expect(stuck.open).toBe(false);
    expect(stuck.line).toContain(
      `the loaded onload driver reports v2; this pod's Onload userland reports v1.`,
    );
    expect(stuck.line).toContain('they never will: onload.userImage and the kernel-module images');
  });

  it('compares with onload.version where the userland cannot tell its version', () => {
    const unreadable = { [userlandReportsAnnotation]: JSON.stringify({ v2: null }) };
    const gate = driverGate(
      plugin('v2'),
      onNode({ [ready]: '', [versionReady]: 'v2' }, unreadable),
    );
    expect(gate).toEqual({
      open: true,
      intro:
        "cannot read the version of this pod's Onload userland (/opt/onload/usr/lib64/libonload.so: not found; /opt/onload/sbin/onload_cp_server: not found); comparing the driver with onload.version v2 instead",
      line: 'onload driver v2 matches onload.version',
    });
  });

  it('trusts .ready alone where KMM < 2.5 writes no version', () => {
    expect(driverGate(plugin('v2'), onNode({ [ready]: '' })).open).toBe(true);
  });

  it('reads the driver of the pod namespace only', () => {
    expect(
      driverGate(plugin('v2'), onNode({ [versionReadyLabel('other', 'onload')]: 'v2' })).open,
    ).toBe(false);
  });

  it('refuses a reports annotation it cannot read', () => {
    const bad = { [driverReportsAnnotation]: '["v2"]' };
    expect(() => driverGate(plugin('v2'), onNode({ [ready]: '' }, bad))).toThrow(
      /driver-reports value "\["v2"\]": use a JSON object/,
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
    expect(onloadCapacity(fakeNode(), [plugin('v2', { status: readyCondition })])).toBe('7');
    expect(
      onloadCapacity(fakeNode('7'), [plugin('v2', { status: readyCondition })]),
    ).toBeUndefined();
    expect(onloadCapacity(fakeNode('7'), [plugin('v2')])).toBe('0');
    expect(
      onloadCapacity(fakeNode('7'), [plugin('v2', { status: readyCondition, deleting: true })]),
    ).toBe('0');
  });

  it('leaves a node that never had a plugin without the resource', () => {
    expect(onloadCapacity(fakeNode(), [])).toBeUndefined();
  });

  it("leaves a real node's capacity to its kubelet", () => {
    expect(onloadCapacity(node({}, { allocatable: '2' }), [])).toBeUndefined();
    expect(onloadCapacity(node(), [plugin('v2', { status: readyCondition })])).toBeUndefined();
  });
});
