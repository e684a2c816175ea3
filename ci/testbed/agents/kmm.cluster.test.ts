// KMM's node-label contract against the real test bed: run by the `cluster` project against the
// KMM stand-in and by the `kmm-manager` project against the real KMM manager, so every behaviour
// the stand-in models is checked against real KMM wherever that KMM version has it. A test that
// cannot apply to the KMM under test says why in its name and is skipped.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../lib/wait.ts';
import { writesVersionReady } from './faults.ts';
import { hungAnnotation } from './kmm/worker-pod.ts';
import { fakeNode, kernelVersion } from '../nodes.ts';
import {
  createNamespace,
  deleteNamespace,
  kmmLabel,
  kmmUnderTest,
  kubectl,
  kubectlJson,
  setKmmFault,
  setKmmVersion,
} from '../session.ts';
import {
  apply,
  getNmc,
  getNode,
  getPod,
  markNodeRebooted,
  recordNodeLabels,
  setNodeLabels,
  untilNode,
  untilPod,
} from './cluster-testing.ts';
import {
  devicePluginVersionLabel,
  readyLabel,
  versionModuleLabel,
  versionReadyLabel,
  workerVersionLabel,
} from './kmm/labels.ts';

interface MicJson {
  spec: { images: { image: string }[] };
  status?: { imagesStates?: { image: string; status: string }[] };
}

interface PullPodJson {
  metadata: { labels: Record<string, string> };
  status: { containerStatuses?: { state: { waiting?: { reason?: string } } }[] };
}

const kmm = kmmUnderTest();
const standIn = kmm.mode === 'stand-in';
/** KMM >= 2.5 writes `.version.ready`; before that the worker label says which version loaded. */
const withVersionReady = writesVersionReady(kmm.version);
function atLeast(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = minimum.split('.').map(Number);
  return a > c || (a === c && b >= d);
}
/** `it`, or a skipped test whose name says why it cannot apply to the KMM under test. */
const itWhen = (applies: boolean, why: string) =>
  applies
    ? it
    : (name: string, fn: () => Promise<void>): void => {
        it.skip(`${name} (skipped: ${why})`, fn);
      };

let ns: string;
let selector: string;
const nodes = ['worker-01', 'worker-02', 'worker-03', 'worker-04', 'worker-05'] as const;
const [n1, n2, n3, n4, n5] = nodes;
const taint = 'testbed.onload.amd.com/maintenance';

const wanted = (module: string): string => versionModuleLabel(ns, module);
const ready = (module: string): string => readyLabel(ns, module);
const versionReady = (module: string): string => versionReadyLabel(ns, module);
const image = (module: string, version: string): string =>
  `images.testbed.invalid/${module}:${kernelVersion}-${version}`;

function kmmModule(name: string, version: string | undefined, select = selector): object {
  return {
    apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
    kind: 'Module',
    metadata: { name, namespace: ns },
    spec: {
      selector: { [select]: 'true' },
      moduleLoader: {
        container: {
          ...(version ? { version } : {}),
          modprobe: { moduleName: name },
          kernelMappings: [
            {
              literal: 'some-other-kernel',
              containerImage: `images.testbed.invalid/${name}:never`,
            },
            {
              regexp: '^.+$',
              containerImage: `images.testbed.invalid/${name}:\${KERNEL_FULL_VERSION}-${version ?? 'any'}`,
            },
          ],
        },
      },
    },
  };
}

function loaded(module: string, version: string) {
  return (n: Awaited<ReturnType<typeof getNode>>): boolean =>
    n.metadata.labels[ready(module)] === '' &&
    (withVersionReady
      ? n.metadata.labels[versionReady(module)] === version
      : n.metadata.labels[workerVersionLabel(ns, module)] === version);
}

const unloaded =
  (module: string) =>
  (n: Awaited<ReturnType<typeof getNode>>): boolean =>
    !(ready(module) in n.metadata.labels) && !(versionReady(module) in n.metadata.labels);

/**
 * Deletes a hung worker pod and waits until it is gone (KMM's finalizer on its worker pods goes
 * once the killed pod is Failed).
 */
async function deleteHungWorker(name: string): Promise<void> {
  await kubectl(['delete', 'pod', name, '-n', ns, '--wait=false']);
  // A new worker of the same name may follow at once: what matters is checked by the caller.
  await kubectl(['wait', '--for=delete', `pod/${name}`, '-n', ns, '--timeout=60s'], {
    allowFailure: true,
  });
}

async function statusEntry(node: string, module: string) {
  return (await getNmc(node))?.status?.modules?.find(
    (m) => m.namespace === ns && m.name === module,
  );
}

async function specEntry(node: string, module: string) {
  return (await getNmc(node))?.spec?.modules?.find((m) => m.namespace === ns && m.name === module);
}

describe(`KMM contract (${kmmLabel(kmm)})`, () => {
  beforeAll(async () => {
    ns = await createNamespace('kmm');
    selector = `testbed.onload.amd.com/${ns}`;
    await apply(kmmModule('onload', 'v1'));
    for (const node of nodes) await setNodeLabels(node, { [selector]: 'true' });
  });

  afterAll(async () => {
    await kubectl(['delete', 'modules.kmm.sigs.x-k8s.io', '--all', '-n', ns, '--ignore-not-found']);
    for (const node of nodes) {
      await setNodeLabels(node, {
        [selector]: null,
        [wanted('onload')]: null,
        [wanted('sfc')]: null,
      });
      await kubectl(['taint', 'node', node, `${taint}-`], { allowFailure: true });
      await kubectl(['uncordon', node]);
      await setKmmFault(node, 'load', undefined);
      await setKmmFault(node, 'unload', undefined);
      await setKmmVersion(node, undefined);
    }
    for (const node of nodes)
      await untilNode(node, 'modules of the test unloaded', (n) =>
        Object.keys(n.metadata.labels).every((k) => !k.includes(`/${ns}.`)),
      );
    await deleteNamespace(ns);
  });

  it('loads a versioned Module only where the version label asks for it', async () => {
    await setNodeLabels(n1, { [wanted('onload')]: 'v1' });
    await untilNode(n1, 'onload v1 loaded', loaded('onload', 'v1'));
    expect((await statusEntry(n1, 'onload'))?.config.containerImage).toBe(image('onload', 'v1'));
    // KMM's event recorder writes asynchronously: the Event may follow the label.
    const moduleLoaded = async (): Promise<boolean> => {
      const events = await kubectlJson<{
        items: { reason: string; metadata: { annotations?: Record<string, string> } }[];
      }>([
        'get',
        'events',
        '-n',
        'default',
        '--field-selector',
        `involvedObject.kind=Node,involvedObject.name=${n1},reason=ModuleLoaded`,
      ]);
      return events.items.some((e) => e.metadata.annotations?.module === `${ns}/onload`);
    };
    expect(await waitFor('the ModuleLoaded event', moduleLoaded, { timeoutMs: 30_000 })).toBe(true);

    const unlabelled = await getNode(n2);
    expect(unloaded('onload')(unlabelled)).toBe(true);
    expect(await specEntry(n2, 'onload')).toBeUndefined();
  });

  it('keeps the old version on a frozen node, then unloads and loads when its label changes', async () => {
    await setNodeLabels(n5, { [wanted('onload')]: 'v2' });
    await apply(kmmModule('onload', 'v2'));
    // n5 asked for v2 before the Module had it: once it runs v2, the stand-in has seen the update.
    await untilNode(n5, 'onload v2 loaded', loaded('onload', 'v2'));
    expect(loaded('onload', 'v1')(await getNode(n1))).toBe(true);
    expect((await statusEntry(n1, 'onload'))?.config.containerImage).toBe(image('onload', 'v1'));

    const worker = workerVersionLabel(ns, 'onload');
    const recorder = await recordNodeLabels(n1, [ready('onload'), worker]);
    try {
      await setNodeLabels(n1, { [wanted('onload')]: 'v2' });
      await untilNode(n1, 'onload v2 loaded', loaded('onload', 'v2'));
    } finally {
      recorder.stop();
    }
    // KMM drops its worker label, unloads (.ready goes), takes the new value, loads.
    expect(recorder.states).toEqual(
      [
        { [ready('onload')]: '', [worker]: 'v1' },
        { [ready('onload')]: '' },
        {},
        { [worker]: 'v2' },
        { [ready('onload')]: '', [worker]: 'v2' },
      ].map((state) => JSON.stringify(state)),
    );
    if (withVersionReady)
      expect((await getNode(n1)).metadata.labels[versionReady('onload')]).toBe('v2');
    expect((await statusEntry(n1, 'onload'))?.config.containerImage).toBe(image('onload', 'v2'));
  });

  it('unloads and loads nothing for a version no Module has', async () => {
    await setNodeLabels(n1, { [wanted('onload')]: 'v9' });
    await untilNode(n1, 'onload unloaded', unloaded('onload'));
    // KMM went through its unload and took the new value: nothing will load for it.
    await untilNode(
      n1,
      'worker label at v9',
      (n) => n.metadata.labels[workerVersionLabel(ns, 'onload')] === 'v9',
    );
    expect(await specEntry(n1, 'onload')).toBeUndefined();
    expect(await statusEntry(n1, 'onload')).toBeUndefined();
    expect(await getPod(ns, `kmm-worker-${n1}-onload`)).toBeUndefined();

    await setNodeLabels(n1, { [wanted('onload')]: 'v2' });
    await untilNode(n1, 'onload v2 loaded', loaded('onload', 'v2'));
  });

  it('writes its device-plugin version label after the worker label, for a Module without a device plugin too', async () => {
    const labels = (await getNode(n1)).metadata.labels;
    expect(labels[workerVersionLabel(ns, 'onload')]).toBe('v2');
    expect(labels[devicePluginVersionLabel(ns, 'onload')]).toBe('v2');
    expect(devicePluginVersionLabel(ns, 'onload') in (await getNode(n2)).metadata.labels).toBe(
      false,
    );
  });

  it('loads a module again after a reboot (the node turned Ready after the load), keeping .ready', async () => {
    await waitFor(
      'no onload worker pod on worker-01',
      async () => (await getPod(ns, `kmm-worker-${n1}-onload`)) === undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const before = await statusEntry(n1, 'onload');
    expect(before?.lastTransitionTime).toBeDefined();
    // Load times are whole seconds: the reboot is in a later second than the last load.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    const rebootedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    expect(new Date(before?.lastTransitionTime ?? '').getTime()).toBeLessThan(rebootedAt.getTime());
    await markNodeRebooted(n1, rebootedAt);
    // Only a Load worker that ran after the reboot writes a newer load time.
    await waitFor(
      'onload loaded again on worker-01 after its reboot, its worker pod gone',
      async () =>
        new Date((await statusEntry(n1, 'onload'))?.lastTransitionTime ?? 0).getTime() >=
          rebootedAt.getTime() && (await getPod(ns, `kmm-worker-${n1}-onload`)) === undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(loaded('onload', 'v2')(await getNode(n1))).toBe(true);
  });

  itWhen(
    standIn || atLeast(kmm.version, '2.6'),
    `KMM ${kmm.version} drops .ready only once the unload has run`,
  )(
    'drops .ready at once on a cordon, before the unload has run, and loads again on uncordon',
    async () => {
      await setKmmFault(n1, 'unload', 'hang');
      try {
        await kubectl(['cordon', n1]);
        await untilNode(n1, '.ready dropped', unloaded('onload'));
        // Until its modprobe hangs, the unloader is only starting: lifting the fault earlier would
        // let it unload and go away.
        const unloader = await untilPod(
          ns,
          `kmm-worker-${n1}-onload`,
          'the unloader to hang',
          (p) =>
            p.metadata.labels?.['kmm.node.kubernetes.io/worker-action'] === 'Unload' &&
            p.metadata.annotations?.[hungAnnotation] === 'true'
              ? p
              : undefined,
        );
        expect(unloader.status.phase).toBe('Running');
        expect(await statusEntry(n1, 'onload')).toBeDefined();
        await setKmmFault(n1, 'unload', undefined);
        await deleteHungWorker(`kmm-worker-${n1}-onload`);
        await waitFor(
          'onload gone from the NodeModulesConfig status of worker-01',
          async () => (await statusEntry(n1, 'onload')) === undefined,
          { timeoutMs: 60_000, intervalMs: 200 },
        );
      } finally {
        await setKmmFault(n1, 'unload', undefined);
        await kubectl(['uncordon', n1]);
      }
      await untilNode(n1, 'onload v2 loaded', loaded('onload', 'v2'));
    },
  );

  itWhen(
    standIn || atLeast(kmm.version, '2.6'),
    `KMM ${kmm.version} does not react to a new taint: it notices it only at the next label or Module change`,
  )(
    'unloads on a NoSchedule taint the Module does not tolerate, and loads again without it',
    async () => {
      await kubectl(['taint', 'node', n1, `${taint}=true:NoSchedule`]);
      try {
        await untilNode(n1, 'onload unloaded', unloaded('onload'));
        await waitFor(
          'onload gone from the NodeModulesConfig status of worker-01',
          async () => (await statusEntry(n1, 'onload')) === undefined,
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        expect(await specEntry(n1, 'onload')).toBeUndefined();
      } finally {
        await kubectl(['taint', 'node', n1, `${taint}-`]);
      }
      await untilNode(n1, 'onload v2 loaded', loaded('onload', 'v2'));
    },
  );

  it('refuses to unload sfc while onload is loaded', async () => {
    await apply(kmmModule('sfc', 'v2'));
    await setNodeLabels(n1, { [wanted('sfc')]: 'v2' });
    await untilNode(n1, 'sfc v2 loaded', loaded('sfc', 'v2'));

    await setNodeLabels(n1, { [wanted('sfc')]: null });
    const worker = `kmm-worker-${n1}-sfc`;
    const stuck = await untilPod(ns, worker, 'the sfc unloader to crash-loop', (p) => {
      const status = p.status.containerStatuses?.[0];
      return status &&
        status.restartCount >= 2 &&
        p.metadata.labels?.['kmm.node.kubernetes.io/worker-action'] === 'Unload'
        ? status
        : undefined;
    });
    expect(stuck.state.waiting?.reason).toBe('CrashLoopBackOff');
    expect(stuck.state.waiting?.message).toContain('Module sfc is in use');
    // Still loaded: `.ready` stays (KMM has already dropped its worker label for the unload).
    const labels = (await getNode(n1)).metadata.labels;
    expect(labels[ready('sfc')]).toBe('');
    if (withVersionReady) expect(labels[versionReady('sfc')]).toBe('v2');

    await setNodeLabels(n1, { [wanted('onload')]: null });
    await untilNode(
      n1,
      'onload and then sfc unloaded',
      (n) => unloaded('onload')(n) && unloaded('sfc')(n),
    );
    expect(await getPod(ns, worker)).toBeUndefined();
  });

  it('crash-loops a Load worker while the load fault is injected, and loads once it is gone', async () => {
    await setKmmFault(n2, 'load', 'fail');
    await setNodeLabels(n2, { [wanted('onload')]: 'v2' });
    const worker = `kmm-worker-${n2}-onload`;
    const status = await untilPod(ns, worker, 'the loader to crash-loop', (p) => {
      const s = p.status.containerStatuses?.[0];
      return s && s.restartCount >= 1 ? s : undefined;
    });
    expect(status.state.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status.state.waiting?.message).toContain('modprobe: FATAL: Module onload not found');
    expect(unloaded('onload')(await getNode(n2))).toBe(true);

    await setKmmFault(n2, 'load', undefined);
    await untilNode(n2, 'onload v2 loaded', loaded('onload', 'v2'));
  });

  it('keeps a hanging Load worker Running until it is deleted, then loads with a new one', async () => {
    await setKmmFault(n3, 'load', 'hang');
    await setNodeLabels(n3, { [wanted('onload')]: 'v2' });
    const worker = `kmm-worker-${n3}-onload`;
    const hung = await untilPod(ns, worker, 'the loader to hang', (p) =>
      p.metadata.annotations?.[hungAnnotation] === 'true' ? p : undefined,
    );
    expect(hung.status.phase).toBe('Running');
    expect(hung.status.containerStatuses?.[0]?.state.running).toBeDefined();

    await setKmmFault(n3, 'load', undefined);
    const still = await getPod(ns, worker);
    expect(still?.metadata.uid).toBe(hung.metadata.uid);
    expect(unloaded('onload')(await getNode(n3))).toBe(true);

    await deleteHungWorker(worker);
    await untilNode(n3, 'onload v2 loaded', loaded('onload', 'v2'));
  });

  itWhen(standIn, 'the kmm-version node annotation steers only the stand-in')(
    'writes no .version.ready as KMM 2.4',
    async () => {
      await setKmmVersion(n4, '2.4');
      await setNodeLabels(n4, { [wanted('onload')]: 'v2' });
      const node = await untilNode(n4, 'onload loaded', (n) =>
        ready('onload') in n.metadata.labels ? n : undefined,
      );
      expect(node.metadata.labels[versionReady('onload')]).toBeUndefined();
    },
  );

  itWhen(!standIn && !withVersionReady, `KMM ${kmm.version} writes .version.ready`)(
    `writes .ready and no .version.ready (KMM ${kmm.version})`,
    async () => {
      await setNodeLabels(n4, { [wanted('onload')]: 'v2' });
      const node = await untilNode(n4, 'onload loaded', (n) =>
        ready('onload') in n.metadata.labels ? n : undefined,
      );
      expect(node.metadata.labels[versionReady('onload')]).toBeUndefined();
    },
  );

  it('runs onload and sfc workers in parallel, in no order: onload loads while sfc hangs', async () => {
    await setKmmFault(n5, 'load', 'hang:sfc');
    try {
      await setNodeLabels(n5, { [wanted('onload')]: 'v2', [wanted('sfc')]: 'v2' });
      await untilPod(ns, `kmm-worker-${n5}-sfc`, 'the sfc loader to hang', (p) =>
        p.metadata.annotations?.[hungAnnotation] === 'true' ? p : undefined,
      );
      await untilNode(n5, 'onload v2 loaded', loaded('onload', 'v2'));
      expect(ready('sfc') in (await getNode(n5)).metadata.labels).toBe(false);
    } finally {
      await setKmmFault(n5, 'load', undefined);
    }
    await deleteHungWorker(`kmm-worker-${n5}-sfc`);
    await untilNode(n5, 'sfc v2 loaded', loaded('sfc', 'v2'));
  });

  it('ignores an empty literal in a kernel mapping and loads through the regexp after it', async () => {
    const only = `${selector}-literal`;
    await setNodeLabels(n5, { [only]: 'true' });
    try {
      await apply({
        apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
        kind: 'Module',
        metadata: { name: 'literal', namespace: ns },
        spec: {
          selector: { [only]: 'true' },
          moduleLoader: {
            container: {
              modprobe: { moduleName: 'literal' },
              kernelMappings: [
                { literal: '', containerImage: 'images.testbed.invalid/literal:empty' },
                { regexp: '^.+$', containerImage: 'images.testbed.invalid/literal:regexp' },
              ],
            },
          },
        },
      });
      await untilNode(n5, 'literal loaded', (n) => ready('literal') in n.metadata.labels);
      expect((await statusEntry(n5, 'literal'))?.config.containerImage).toBe(
        'images.testbed.invalid/literal:regexp',
      );
    } finally {
      await setNodeLabels(n5, { [only]: null });
    }
    await untilNode(n5, 'literal unloaded', unloaded('literal'));
  });

  it('loads a Module without version on every selected node, with no label needed', async () => {
    const only = `${selector}-plain`;
    await setNodeLabels(n5, { [only]: 'true' });
    try {
      await apply(kmmModule('plain', undefined, only));
      await untilNode(n5, 'plain loaded', (n) => ready('plain') in n.metadata.labels);
      expect(versionReady('plain') in (await getNode(n5)).metadata.labels).toBe(false);
    } finally {
      await setNodeLabels(n5, { [only]: null });
    }
    await untilNode(n5, 'plain unloaded once the node left the selector', unloaded('plain'));
  });

  it('holds a deleted Module with its finalizer until every node has unloaded it', async () => {
    await setKmmFault(n2, 'unload', 'hang:onload');
    await kubectl(['delete', 'modules.kmm.sigs.x-k8s.io', 'onload', '-n', ns, '--wait=false']);
    try {
      for (const node of [n3, n5]) await untilNode(node, 'onload unloaded', unloaded('onload'));
      await untilPod(ns, `kmm-worker-${n2}-onload`, 'the unloader to hang', (p) =>
        p.metadata.labels?.['kmm.node.kubernetes.io/worker-action'] === 'Unload' &&
        p.status.phase === 'Running'
          ? p
          : undefined,
      );
      const held = await kubectlJson<{
        metadata: { deletionTimestamp?: string; finalizers?: string[] };
      }>(['get', 'modules.kmm.sigs.x-k8s.io', 'onload', '-n', ns]);
      expect(held.metadata.deletionTimestamp).toBeDefined();
      expect(held.metadata.finalizers).toContain('kmm.node.kubernetes.io/module-finalizer');
    } finally {
      await setKmmFault(n2, 'unload', undefined);
    }
    await deleteHungWorker(`kmm-worker-${n2}-onload`);
    for (const node of [n2, n3, n4, n5])
      await untilNode(node, 'onload unloaded', unloaded('onload'));
    await kubectl([
      'wait',
      '--for=delete',
      'modules.kmm.sigs.x-k8s.io/onload',
      '-n',
      ns,
      '--timeout=60s',
    ]);
  });
  it('leaves a node it has no NodeModulesConfig for alone: a ready label there stays', async () => {
    const untargeted = `${ns}-untargeted`;
    await apply(fakeNode({ name: untargeted, solarflare: false }));
    try {
      await setNodeLabels(untargeted, { [ready('onload')]: '' });
      // Each node update reaches KMM's NodeModulesConfig reconciler (it watches nodes).
      for (const poke of ['1', '2', '3']) {
        await setNodeLabels(untargeted, { 'testbed.onload.amd.com/poke': poke });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      expect(await getNmc(untargeted)).toBeUndefined();
      expect((await getNode(untargeted)).metadata.labels[ready('onload')]).toBe('');
    } finally {
      await kubectl(['delete', 'node', untargeted, '--wait=false']);
    }
  });

  it('deadlocks when the namespace is deleted while a module is loaded, until the namespace exists again and holds a Module', async () => {
    const doomed = await createNamespace('kmm-doomed');
    const only = `testbed.onload.amd.com/${doomed}`;
    const readyInDoomed = readyLabel(doomed, 'kept');
    const moduleIn = (namespace: string): object => ({
      ...kmmModule('kept', undefined, only),
      metadata: { name: 'kept', namespace },
    });
    await apply(moduleIn(doomed));
    await setNodeLabels(n4, { [only]: 'true' });
    await untilNode(n4, 'kept loaded', (n) => readyInDoomed in n.metadata.labels);

    await kubectl(['delete', 'namespace', doomed, '--wait=false']);
    const module = (): Promise<{
      metadata: { deletionTimestamp?: string; finalizers?: string[] };
    }> => kubectlJson(['get', 'modules.kmm.sigs.x-k8s.io', 'kept', '-n', doomed]);
    await waitFor(
      'the namespace controller to delete the Module',
      async () => (await module()).metadata.deletionTimestamp !== undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The unload worker is refused in the terminating namespace: nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect((await module()).metadata.finalizers).toContain(
      'kmm.node.kubernetes.io/module-finalizer',
    );
    expect(readyInDoomed in (await getNode(n4)).metadata.labels).toBe(true);
    const namespace = await kubectlJson<{ status: { phase: string } }>([
      'get',
      'namespace',
      doomed,
    ]);
    expect(namespace.status.phase).toBe('Terminating');

    // The way out: release the Module, let the namespace go, create it again so KMM can unload.
    await kubectl([
      'patch',
      'modules.kmm.sigs.x-k8s.io',
      'kept',
      '-n',
      doomed,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl(['wait', '--for=delete', `namespace/${doomed}`, '--timeout=60s']);
    expect(readyInDoomed in (await getNode(n4)).metadata.labels).toBe(true);
    await kubectl(['create', 'namespace', doomed]);
    try {
      // KMM's worker pods need its CA ConfigMap, which it creates in a namespace holding a Module:
      // in the new, empty namespace nothing can unload yet.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(readyInDoomed in (await getNode(n4)).metadata.labels).toBe(true);
      await setNodeLabels(n4, { [only]: null });
      await apply(moduleIn(doomed));
      await untilNode(
        n4,
        'kept unloaded once its namespace holds a Module again',
        (n) => !(readyInDoomed in n.metadata.labels),
      );
      await kubectl(['delete', 'modules.kmm.sigs.x-k8s.io', 'kept', '-n', doomed, '--timeout=60s']);
    } finally {
      await setNodeLabels(n4, { [only]: null });
      await deleteNamespace(doomed);
    }
  });
  itWhen(atLeast(kmm.version, '2.4'), `KMM ${kmm.version} has no ModuleImagesConfig`)(
    'checks the images with pull pods and configures a node only once its ModuleImagesConfig says the image exists',
    async () => {
      const only = `${selector}-images`;
      await apply(kmmModule('imaged', 'v1', only));
      await setNodeLabels(n3, { [only]: 'true', [wanted('imaged')]: 'v1' });
      try {
        await untilNode(n3, 'imaged v1 loaded', loaded('imaged', 'v1'));
        const mic = await kubectlJson<MicJson>(['get', 'moduleimagesconfigs', 'imaged', '-n', ns]);
        expect(mic.status?.imagesStates).toContainEqual(
          expect.objectContaining({ image: image('imaged', 'v1'), status: 'Exists' }),
        );
      } finally {
        await setNodeLabels(n3, { [only]: null, [wanted('imaged')]: null });
      }
      await untilNode(n3, 'imaged unloaded', unloaded('imaged'));
    },
  );

  itWhen(atLeast(kmm.version, '2.4'), `KMM ${kmm.version} has no image pull pods`)(
    'leaves a node unconfigured while its image is missing: the pull pod fails to pull, the ModuleImagesConfig never says so',
    async () => {
      const only = `${selector}-missing`;
      const missing = {
        ...kmmModule('missing', 'v1', only),
      } as { spec: { moduleLoader: { container: { kernelMappings: object[] } } } };
      missing.spec.moduleLoader.container.kernelMappings = [
        { regexp: '^.+$', containerImage: 'images.testbed.invalid/does-not-exist/missing:v1' },
      ];
      await apply(missing);
      await setNodeLabels(n3, { [only]: 'true', [wanted('missing')]: 'v1' });
      try {
        const pulling = await waitFor(
          'a pull pod in ImagePullBackOff',
          async () => {
            const pods = await kubectlJson<{ items: PullPodJson[] }>([
              'get',
              'pods',
              '-n',
              ns,
              '-l',
              'kmm.node.kubernetes.io/image-owner=missing',
            ]);
            return pods.items.find(
              (p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff',
            );
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        expect(pulling.metadata.labels['kmm.node.kubernetes.io/pull-pod-type']).toBeDefined();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const mic = await kubectlJson<MicJson>(['get', 'moduleimagesconfigs', 'missing', '-n', ns]);
        expect(mic.spec.images.map((i) => i.image)).toEqual([
          'images.testbed.invalid/does-not-exist/missing:v1',
        ]);
        expect(mic.status?.imagesStates ?? []).toEqual([]);
        expect(await specEntry(n3, 'missing')).toBeUndefined();
        expect(ready('missing') in (await getNode(n3)).metadata.labels).toBe(false);
      } finally {
        await setNodeLabels(n3, { [only]: null, [wanted('missing')]: null });
        await kubectl(['delete', 'modules.kmm.sigs.x-k8s.io', 'missing', '-n', ns, '--wait=false']);
      }
    },
  );

  itWhen(atLeast(kmm.version, '2.3'), `KMM ${kmm.version}'s Module has no tolerations`)(
    'keeps a module loaded through a cordon its Module tolerates',
    async () => {
      const only = `${selector}-tolerant`;
      const tolerant = kmmModule('tolerant', 'v1', only) as { spec: object };
      tolerant.spec = {
        ...tolerant.spec,
        tolerations: [
          { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
        ],
      };
      await apply(tolerant);
      await setNodeLabels(n3, { [only]: 'true', [wanted('tolerant')]: 'v1' });
      try {
        await untilNode(n3, 'tolerant v1 loaded', loaded('tolerant', 'v1'));
        const recorder = await recordNodeLabels(n3, [ready('tolerant')]);
        await kubectl(['cordon', n3]);
        try {
          await waitFor(
            'the cordon taint on worker-03',
            async () =>
              (
                await kubectlJson<{ spec: { taints?: { key: string }[] } }>(['get', 'node', n3])
              ).spec.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable') ?? false,
            { timeoutMs: 30_000, intervalMs: 100 },
          );
          await new Promise((resolve) => setTimeout(resolve, 3000));
        } finally {
          recorder.stop();
          await kubectl(['uncordon', n3]);
        }
        expect(recorder.states).toEqual([JSON.stringify({ [ready('tolerant')]: '' })]);
        expect(await getPod(ns, `kmm-worker-${n3}-tolerant`)).toBeUndefined();
      } finally {
        await setNodeLabels(n3, { [only]: null, [wanted('tolerant')]: null });
      }
      await untilNode(n3, 'tolerant unloaded', unloaded('tolerant'));
    },
  );
});
