// post-delete (Argo CD PostDelete): leave the nodes clean — our labels and annotations and the KMM
// version labels removed from every node that carries keys of this namespace — then wait (bounded)
// until KMM reports the modules unloaded, warning about nodes where it does not. The last `helm
// test` pod goes too: Helm keeps test hook pods after an uninstall.
import { components, kmmReadyLabel, moduleNames, rolloutLeaseName } from '../contract.ts';
import type { NodeView } from '../kube/port.ts';
import { ourLabelKeys } from '../model/node-facts.ts';
import { componentLabel, instanceLabel } from '../model/pods.ts';
import { cleanupChange } from '../planner/cleanup.ts';
import { NodeWriter } from '../runtime/node-writer.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';
import { asSink, Changes, Store } from '../runtime/store.ts';

export async function runPostDelete(ctx: PhaseContext): Promise<PhaseResult> {
  const { port, config, log, clock, run } = ctx;
  const ns = config.namespace;
  const { policy } = config;
  const byName = new Map<string, NodeView>();
  for (const key of ourLabelKeys(ns))
    for (const n of await port.listNodes(key)) byName.set(n.name, n);
  const writer = new NodeWriter(port, ns);
  let cleaned = 0;
  for (const node of byName.values())
    if ((await writer.settle(node, cleanupChange)).kind === 'written') cleaned++;
  log.info(`removed the Onload labels and annotations of namespace ${ns} from ${cleaned} node(s)`);
  await deleteTestPods(ctx);

  // KMM removes `.ready` once a module is unloaded: watch the nodes that still carry one.
  const changes = new Changes();
  const abort = new AbortController();
  run.onStop(() => {
    changes.notify();
  });
  const stores = [moduleNames.onload, moduleNames.sfc].map((m) => {
    const store = new Store<NodeView>(
      (n) => n.name,
      changes,
      (n) => n.resourceVersion,
    );
    port.watchNodes(kmmReadyLabel(ns, m), asSink(store), abort.signal);
    return store;
  });
  const loadedOn = (): string[] =>
    [...new Set(stores.flatMap((s) => s.values().map((n) => n.name)))].sort();
  const until = clock.now() + policy.timeouts.driverReloadSeconds * 1000;
  let reported = -1;
  try {
    for (;;) {
      const synced = stores.every((s) => s.synced);
      const loaded = loadedOn();
      if ((synced && loaded.length === 0) || clock.now() >= until || run.stopping) break;
      if (synced && loaded.length !== reported) {
        log.info(
          `waiting for KMM to unload onload/sfc on ${loaded.length} node(s): ${loaded.slice(0, 10).join(', ')}`,
        );
        reported = loaded.length;
      }
      await changes.wait(until, () => clock.now());
    }
  } finally {
    abort.abort();
  }
  const loaded = loadedOn();
  await port.deleteLease(ns, rolloutLeaseName(config.crName)).catch((e: unknown) => {
    log.debug('could not delete the rollout Lease', { error: e });
  });
  if (loaded.length > 0) {
    const message = `KMM still reports onload/sfc loaded on ${loaded.length} node(s) after ${policy.timeouts.driverReloadSeconds}s: ${loaded.join(', ')}. Check the KMM operator (its worker pods in ${ns}) and the nodes; the labels kmm.node.kubernetes.io/${ns}.*.ready disappear once the modules are unloaded.`;
    log.warn(message);
    return { exitCode: exitCodes.ok, message };
  }
  const message = `nodes are clean: no Onload labels of namespace ${ns} left, KMM reports the modules unloaded`;
  log.info(message);
  return { exitCode: exitCodes.ok, message };
}

/** A leftover test pod never fails the uninstall: it is reported with the command to remove it. */
async function deleteTestPods({ port, config, log }: PhaseContext): Promise<void> {
  const labelSelector = `${instanceLabel}=${config.release},${componentLabel}=${components.test}`;
  try {
    for (const pod of await port.listPods({ namespace: config.namespace, labelSelector }))
      if (await port.deletePod(pod)) log.info(`deleted the helm test pod ${pod.name}`);
  } catch (error) {
    log.warn(
      `could not delete the helm test pod (${error instanceof Error ? error.message : String(error)}); remove it with: kubectl delete pod -n ${config.namespace} -l ${labelSelector}`,
    );
  }
}
