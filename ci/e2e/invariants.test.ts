import { describe, expect, it } from '@jest/globals';
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  pausedLabel,
} from '../../hooks/src/contract.ts';
import { workerVersionLabel } from '../testbed/agents/kmm/labels.ts';
import {
  InvariantChecker,
  kmmLoadedVersion,
  type KubeObject,
  type ObservedObject,
} from './invariants.ts';

const ns = 'onload-e2e';
const onloadWanted = kmmVersionLabel(ns, 'onload');
const sfcWanted = kmmVersionLabel(ns, 'sfc');
const onloadReady = kmmReadyLabel(ns, 'onload');
const onloadLoaded = kmmVersionReadyLabel(ns, 'onload');
const paused = pausedLabel(ns);

let rv = 0;
function node(
  name: string,
  labels: Record<string, string>,
  type: ObservedObject['type'] = 'MODIFIED',
): ObservedObject {
  return { kind: 'Node', type, resourceVersion: ++rv, object: { metadata: { name, labels } } };
}

function consumer(
  name: string,
  nodeName: string,
  extra: Partial<KubeObject['metadata']> = {},
  conditions: { type: string; status: string; reason?: string }[] = [],
): KubeObject {
  return {
    metadata: { name, namespace: 'apps', ...extra },
    spec: { nodeName, containers: [{ resources: { limits: { 'amd.com/onload': '1' } } }] },
    status: { conditions },
  };
}

function pod(object: KubeObject, type: ObservedObject['type'] = 'MODIFIED'): ObservedObject {
  return { kind: 'Pod', type, resourceVersion: ++rv, object };
}

const steady = { [onloadWanted]: '1', [sfcWanted]: '1', [onloadReady]: '', [onloadLoaded]: '1' };

function checker(maxOutOfService = 1): InvariantChecker {
  return new InvariantChecker({ namespace: ns, maxOutOfService, sfcEnabled: true });
}

describe('InvariantChecker', () => {
  it('flags a relabel while a consumer pod is still on the node', () => {
    const c = checker();
    c.observe(node('n1', steady, 'ADDED'));
    c.observe(pod(consumer('trader-0', 'n1'), 'ADDED'));
    c.observe(node('n1', { ...steady, [onloadWanted]: '2' }));
    expect(c.violations.map((v) => v.invariant)).toEqual(['no relabel while consumers run']);
  });

  it('accepts a relabel once the evicted consumer is gone', () => {
    const c = checker();
    c.observe(node('n1', steady, 'ADDED'));
    const evicted = consumer('trader-0', 'n1', { deletionTimestamp: '2026-01-01T00:00:00Z' }, [
      { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' },
    ]);
    c.observe(pod(consumer('trader-0', 'n1'), 'ADDED'));
    c.observe(pod(evicted));
    c.observe(pod(evicted, 'DELETED'));
    c.observe(node('n1', { ...steady, [onloadWanted]: '2' }));
    expect(c.violations).toEqual([]);
    expect(c.evictions.get('apps/trader-0')).toEqual({ node: 'n1', viaApi: true });
  });

  it('flags a consumer deleted without the Eviction API, unless the rollout is not being watched', () => {
    const c = checker();
    c.observe(pod(consumer('a', 'n1'), 'ADDED'));
    c.observe(pod(consumer('a', 'n1', { deletionTimestamp: 'x' })));
    expect(c.violations.map((v) => v.invariant)).toEqual([
      'every eviction goes through the Eviction API',
    ]);
    c.watchRollout(false);
    c.observe(pod(consumer('b', 'n1', { deletionTimestamp: 'x' }), 'ADDED'));
    expect(c.violations).toHaveLength(1);
  });

  it('does not count deleting a pod that has ended (a helm test pod) as an eviction', () => {
    const c = checker();
    const ended = { ...consumer('test', 'n1'), status: { phase: 'Failed' } };
    c.observe(pod(ended, 'ADDED'));
    c.observe(pod({ ...ended, metadata: { ...ended.metadata, deletionTimestamp: 'x' } }));
    expect(c.violations).toEqual([]);
    expect(c.evictions.size).toBe(0);
  });

  it('flags sfc being reloaded while onload is still loaded', () => {
    const c = checker();
    c.observe(node('n1', steady, 'ADDED'));
    c.observe(node('n1', { ...steady, [sfcWanted]: '2' }));
    expect(c.violations.map((v) => v.invariant)).toEqual(['onload unloaded before sfc reloads']);
  });

  it('accepts sfc reloading after onload was unloaded', () => {
    const c = checker();
    c.observe(node('n1', steady, 'ADDED'));
    const unloaded = Object.fromEntries(
      Object.entries(steady).filter(
        ([key]) => ![onloadWanted, onloadReady, onloadLoaded].includes(key),
      ),
    );
    c.observe(node('n1', unloaded));
    c.observe(node('n1', { ...unloaded, [sfcWanted]: '2' }));
    expect(c.violations).toEqual([]);
  });

  it('flags more paused nodes than the policy allows, except outside rollouts', () => {
    const c = checker(1);
    c.observe(node('n1', { ...steady, [paused]: 'true' }, 'ADDED'));
    expect(c.violations).toEqual([]);
    c.observe(node('n2', { ...steady, [paused]: 'true' }, 'ADDED'));
    expect(c.violations.map((v) => v.invariant)).toEqual(['never more nodes out than allowed']);
    c.watchRollout(false);
    c.observe(node('n3', { ...steady, [paused]: 'true' }, 'ADDED'));
    expect(c.violations).toHaveLength(1);
  });

  it('flags an unpause while the new driver is not loaded yet', () => {
    const c = checker();
    c.observe(node('n1', { [onloadWanted]: '2', [paused]: 'true' }, 'ADDED'));
    c.observe(node('n1', { [onloadWanted]: '2' }));
    expect(c.violations.map((v) => v.invariant)).toEqual([
      'no unpause before the new driver is ready',
    ]);
  });

  it('accepts an unpause once the wanted version is loaded', () => {
    const c = checker();
    c.observe(
      node(
        'n1',
        { [onloadWanted]: '2', [onloadReady]: '', [onloadLoaded]: '2', [paused]: 'true' },
        'ADDED',
      ),
    );
    c.observe(node('n1', { [onloadWanted]: '2', [onloadReady]: '', [onloadLoaded]: '2' }));
    expect(c.violations).toEqual([]);
  });

  it('flags a device plugin pod Ready with a userland that differs from the loaded driver', () => {
    const c = checker();
    c.observe(node('n1', steady, 'ADDED'));
    const dp = (version: string): KubeObject => ({
      metadata: {
        name: 'dp-1',
        namespace: ns,
        labels: {
          'app.kubernetes.io/component': 'device-plugin',
          'onload.amd.com/version': version,
        },
      },
      spec: { nodeName: 'n1', containers: [] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    c.observe(pod(dp('1'), 'ADDED'));
    expect(c.violations).toEqual([]);
    c.observe(pod(dp('2')));
    expect(c.violations.map((v) => v.invariant)).toEqual(['userland matches the loaded driver']);
  });

  it('flags a device plugin pod scheduled onto a node without the driver', () => {
    const c = checker();
    c.observe(node('n1', {}, 'ADDED'));
    c.observe(node('n2', steady, 'ADDED'));
    const dp = (name: string, nodeName?: string): KubeObject => ({
      metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/component': 'device-plugin' } },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [] },
    });
    c.observe(pod(dp('dp-a'), 'ADDED'));
    c.observe(pod(dp('dp-a', 'n2')));
    expect(c.violations).toEqual([]);
    c.observe(pod(dp('dp-b'), 'ADDED'));
    c.observe(pod(dp('dp-b', 'n1')));
    expect(c.violations.map((v) => v.invariant)).toEqual([
      'daemon pods start only where the driver is loaded',
    ]);
  });

  describe('a change arriving after a later one of the other watch stream', () => {
    const at = (event: ObservedObject, resourceVersion: number): ObservedObject => ({
      ...event,
      resourceVersion,
    });
    const dp = (name: string, nodeName?: string): KubeObject => ({
      metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/component': 'device-plugin' } },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [] },
    });

    it('withdraws a binding verdict once the node change before it arrives, and keeps a true one', () => {
      const c = checker();
      c.observe(at(node('n1', { [onloadWanted]: '1' }, 'ADDED'), 1));
      c.observe(at(node('n2', { [onloadWanted]: '1' }, 'ADDED'), 2));
      c.observe(at(pod(dp('dp-a'), 'ADDED'), 5));
      c.observe(at(pod(dp('dp-a', 'n1')), 11));
      c.observe(at(pod(dp('dp-b'), 'ADDED'), 12));
      c.observe(at(pod(dp('dp-b', 'n2')), 13));
      expect(c.violations).toHaveLength(2);
      // n1's driver came at 10, before the binding at 11; n2's at 14, after the one at 13.
      c.observe(at(node('n1', { [onloadWanted]: '1', [onloadReady]: '' }), 10));
      c.observe(at(node('n2', { [onloadWanted]: '1', [onloadReady]: '' }), 14));
      expect(c.violations.map((v) => v.detail)).toEqual([
        'onload-e2e/dp-b scheduled on n2 before onload was loaded there',
      ]);
    });

    it('judges a late binding against the node as it was then, not as it is now', () => {
      const c = checker();
      c.observe(at(node('n1', steady, 'ADDED'), 1));
      c.observe(at(pod(dp('dp-a'), 'ADDED'), 2));
      c.observe(at(node('n1', { [onloadWanted]: '2' }), 8));
      c.observe(at(pod(dp('dp-a', 'n1')), 5));
      expect(c.violations).toEqual([]);
    });

    it('withdraws a relabel verdict once the consumer’s deletion before it arrives', () => {
      const c = checker();
      c.observe(at(node('n1', steady, 'ADDED'), 1));
      c.observe(at(pod(consumer('trader-0', 'n1'), 'ADDED'), 2));
      c.observe(at(pod(consumer('trader-1', 'n1'), 'ADDED'), 3));
      c.observe(at(node('n1', { ...steady, [onloadWanted]: '2' }), 9));
      expect(c.violations.map((v) => v.invariant)).toEqual(['no relabel while consumers run']);
      c.observe(at(pod(consumer('trader-0', 'n1'), 'DELETED'), 6));
      // trader-1 was still there at 9: the verdict stands.
      expect(c.violations.map((v) => v.invariant)).toEqual(['no relabel while consumers run']);
      c.observe(at(pod(consumer('trader-1', 'n1'), 'DELETED'), 7));
      expect(c.violations).toEqual([]);
    });
  });

  it('checks the settled state: nothing paused and every selected node at the version', () => {
    const c = checker();
    c.observe(
      node(
        'n1',
        {
          ...steady,
          [sfcWanted]: '2',
          [onloadWanted]: '2',
          [onloadLoaded]: '2',
          [kmmVersionReadyLabel(ns, 'sfc')]: '2',
        },
        'ADDED',
      ),
    );
    c.observe(node('n2', { ...steady, [paused]: 'true' }, 'ADDED'));
    c.checkSettled(['n1', 'n2'], '2');
    expect(c.violations.map((v) => v.detail)).toEqual([
      'n2 is still paused',
      'n2: onload wanted=1 loaded=1, expected 2',
      'n2: sfc wanted=1 loaded=∅, expected 2',
    ]);
  });

  it("reads the loaded version from .version.ready, else (KMM 2.2) from .ready and KMM's worker label", () => {
    const worker = workerVersionLabel(ns, 'onload');
    expect(
      kmmLoadedVersion(
        { [onloadWanted]: '2', [onloadReady]: '', [onloadLoaded]: '1' },
        ns,
        'onload',
        true,
      ),
    ).toBe('1');
    expect(
      kmmLoadedVersion({ [onloadWanted]: '2', [onloadReady]: '' }, ns, 'onload', true),
    ).toBeUndefined();
    expect(
      kmmLoadedVersion(
        { [onloadWanted]: '2', [onloadReady]: '', [worker]: '2' },
        ns,
        'onload',
        false,
      ),
    ).toBe('2');
    expect(
      kmmLoadedVersion({ [onloadWanted]: '2', [worker]: '2' }, ns, 'onload', false),
    ).toBeUndefined();
  });
});
