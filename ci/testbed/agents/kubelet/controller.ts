// The kubelet stand-in for the chart's device-plugin and control-plane pods (KWOK's stages skip
// them): their init step waits for the matching driver, and a Ready device plugin makes the node
// advertise amd.com/onload.
import type { V1Pod } from '@kubernetes/client-node';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { onloadResource } from '../../../../hooks/src/contract.ts';
import {
  mergePatch,
  patchPodStatus,
  type Caches,
  type ChangeHandler,
  type Clients,
} from '../kube/client.ts';
import { WorkQueue } from '../kube/queue.ts';
import type { Logger } from '../log.ts';
import { podLogPath } from '../runner/logs.ts';
import {
  driverGate,
  initWaitingStatus,
  isGated,
  isReady,
  onloadCapacity,
  readyStatus,
  showsInitWaiting,
} from './gate.ts';

export function startKubelet(
  clients: Clients,
  caches: Caches,
  stateDir: string,
  log: Logger,
): { onChange: ChangeHandler; stop: () => void } {
  /** Per pod uid, the last line written to its log. */
  const lastLine = new Map<string, string>();
  const gatedPodsOn = (node: string): V1Pod[] =>
    caches.pods.list().filter((p) => p.spec?.nodeName === node && isGated(p));

  async function reconcilePod(namespace: string, name: string): Promise<undefined> {
    const pod = caches.pods.get(name, namespace);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata?.deletionTimestamp || isReady(pod)) return undefined;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
    const node = caches.nodes.get(nodeName);
    const gate = driverGate(pod, node);
    const uid = pod.metadata?.uid ?? '';
    const last = lastLine.get(uid);
    if (last !== gate.line) {
      lastLine.set(uid, gate.line);
      const lines = [...(last === undefined && gate.intro ? [gate.intro] : []), gate.line];
      const file = podLogPath(stateDir, namespace, name);
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, lines.map((l) => `${l}\n`).join(''));
    }
    if (gate.open) {
      log.info('driver matches; pod Ready', { namespace, pod: name, node: nodeName });
      await patchPodStatus(clients, caches, pod, readyStatus(pod, node, new Date()));
      return undefined;
    }
    if (!showsInitWaiting(pod))
      await patchPodStatus(clients, caches, pod, initWaitingStatus(pod, node, new Date()));
    return undefined;
  }

  async function reconcileNode(nodeName: string): Promise<undefined> {
    const node = caches.nodes.get(nodeName);
    if (!node) return undefined;
    const value = onloadCapacity(node, gatedPodsOn(nodeName));
    if (value === undefined) return undefined;
    log.info(`${onloadResource} capacity`, { node: nodeName, value });
    const patched = await clients.core.patchNodeStatus(
      {
        name: nodeName,
        body: {
          status: {
            capacity: { [onloadResource]: value },
            allocatable: { [onloadResource]: value },
          },
        },
      },
      mergePatch,
    );
    await caches.nodes.observed(nodeName, undefined, patched.metadata?.resourceVersion);
    return undefined;
  }

  const queue = new WorkQueue(async (key) => {
    if (!caches.pods.synced() || !caches.nodes.synced()) return 1000;
    const [kind = '', rest = ''] = key.split(':', 2);
    if (kind === 'node') return reconcileNode(rest);
    const [namespace = '', name = ''] = rest.split('/', 2);
    return reconcilePod(namespace, name);
  }, log);

  return {
    onChange: (change) => {
      if (change.kind === 'pods' && isGated(change.object)) {
        const { metadata, spec } = change.object;
        queue.add(`pod:${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`);
        if (spec?.nodeName) queue.add(`node:${spec.nodeName}`);
      } else if (change.kind === 'nodes') {
        const nodeName = change.object.metadata?.name ?? '';
        queue.add(`node:${nodeName}`);
        for (const p of gatedPodsOn(nodeName))
          queue.add(`pod:${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
      }
    },
    stop: () => {
      queue.stop();
    },
  };
}
