// The kubelet stand-in against the real test bed: the chart's device plugin and control plane only
// become Ready on a node running the onload driver of their userland version, and a Ready device
// plugin makes the node advertise amd.com/onload.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createNamespace, deleteNamespace, kubectl, podLogs } from '../session.ts';
import {
  apply,
  getNode,
  getPod,
  isPodReady,
  setNodeLabels,
  untilNode,
  untilPod,
} from './cluster-testing.ts';
import { readyLabel, versionModuleLabel, versionReadyLabel } from './kmm/labels.ts';

let ns: string;
let selector: string;
const [oldNode, newNode] = ['worker-04', 'worker-05'] as const;

function onloadModule(version: string): object {
  return {
    apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
    kind: 'Module',
    metadata: { name: 'onload', namespace: ns },
    spec: {
      selector: { [selector]: 'true' },
      moduleLoader: {
        container: {
          version,
          modprobe: { moduleName: 'onload' },
          kernelMappings: [
            { regexp: '^.+$', containerImage: `images.testbed.invalid/onload:${version}` },
          ],
        },
      },
    },
  };
}

function nodePod(name: string, component: string, node: string, version: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: {
        'app.kubernetes.io/name': 'onload',
        'app.kubernetes.io/component': component,
        'onload.amd.com/version': version,
      },
    },
    spec: {
      nodeName: node,
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      initContainers: [{ name: 'init', image: `images.testbed.invalid/onload-user:${version}` }],
      containers: [
        {
          name: component,
          image: 'images.testbed.invalid/dp:1',
          args: ['-maxPods=7', '-setPreload=true'],
        },
      ],
    },
  };
}

const allocatable = (node: string) => async (): Promise<string | undefined> =>
  (await getNode(node)).status.allocatable?.['amd.com/onload'];

describe('kubelet stand-in', () => {
  beforeAll(async () => {
    ns = await createNamespace('kubelet');
    selector = `testbed.onload.amd.com/${ns}`;
    await apply(onloadModule('v1'));
    for (const node of [oldNode, newNode])
      await setNodeLabels(node, { [selector]: 'true', [versionModuleLabel(ns, 'onload')]: 'v1' });
    for (const node of [oldNode, newNode])
      await untilNode(
        node,
        'onload v1 loaded',
        (n) => n.metadata.labels[versionReadyLabel(ns, 'onload')] === 'v1',
      );
  });

  afterAll(async () => {
    await kubectl(['delete', 'pods', '--all', '-n', ns, '--wait=true']);
    await kubectl(['delete', 'modules.kmm.sigs.x-k8s.io', '--all', '-n', ns]);
    for (const node of [oldNode, newNode]) {
      await setNodeLabels(node, { [selector]: null, [versionModuleLabel(ns, 'onload')]: null });
      await untilNode(
        node,
        'onload unloaded',
        (n) => !(readyLabel(ns, 'onload') in n.metadata.labels),
      );
    }
    await deleteNamespace(ns);
  });

  it('makes device plugin and control plane pods Ready where the driver matches, and advertises amd.com/onload', async () => {
    await apply(
      nodePod('dp-old', 'device-plugin', oldNode, 'v1'),
      nodePod('cp-old', 'control-plane', oldNode, 'v1'),
    );
    for (const pod of ['dp-old', 'cp-old']) await untilPod(ns, pod, 'Ready', isPodReady);
    await untilNode(
      oldNode,
      'amd.com/onload allocatable 7',
      (n) => n.status.allocatable?.['amd.com/onload'] === '7',
    );
    expect((await getNode(oldNode)).status.capacity?.['amd.com/onload']).toBe('7');
  });

  it('keeps a pod of another userland version in its init step, saying why, until its driver is loaded', async () => {
    await apply(nodePod('dp-new', 'device-plugin', newNode, 'v2'));
    const waiting = await untilPod(ns, 'dp-new', 'the init step to wait', (p) =>
      p.status.initContainerStatuses?.[0]?.state.running ? p : undefined,
    );
    expect(waiting.status.phase).toBe('Pending');
    expect(isPodReady(waiting)).toBe(false);
    expect(waiting.status.containerStatuses?.[0]?.state.waiting?.reason).toBe('PodInitializing');
    expect(podLogs(ns, 'dp-new')).toContain(
      "waiting: the loaded onload driver reports v1; this pod's Onload userland reports v2",
    );
    // Absent, or 0 where an earlier plugin went away: nothing to allocate either way.
    expect([undefined, '0']).toContain(await allocatable(newNode)());

    await apply(onloadModule('v2'));
    await setNodeLabels(newNode, { [versionModuleLabel(ns, 'onload')]: 'v2' });
    await untilPod(ns, 'dp-new', 'Ready on the v2 driver', isPodReady);
    await untilNode(
      newNode,
      'amd.com/onload allocatable 7',
      (n) => n.status.allocatable?.['amd.com/onload'] === '7',
    );
  });

  it('drops amd.com/onload to 0 when the device plugin goes', async () => {
    await kubectl(['delete', 'pod', 'dp-old', '-n', ns, '--wait=true']);
    expect(await getPod(ns, 'dp-old')).toBeUndefined();
    await untilNode(
      oldNode,
      'amd.com/onload allocatable 0',
      (n) => n.status.allocatable?.['amd.com/onload'] === '0',
    );
    expect((await getNode(oldNode)).status.capacity?.['amd.com/onload']).toBe('0');
  });
});
