// The end of an uninstall, once no pod uses Onload and KMM unloaded it (pre-delete): stop the
// labeller, remove our labels and annotations and the KMM version labels from every node that
// carries keys of this namespace, delete the release's last `helm test` pod; at the very end let
// the release's objects go (the uninstall guard). Not in a post-delete hook: Argo CD can end its
// PostDelete phase before the hook ran (docs/architecture.md).
import { components, componentObjectName, uninstallGuard } from '../contract.ts';
import type { NodeView, PodView } from '../kube/port.ts';
import { ourLabelKeys, ownKeyName, ownKeys } from '../model/node-facts.ts';
import { componentLabel, instanceLabel } from '../model/pods.ts';
import { cleanupChange } from '../planner/cleanup.ts';
import { NodeWriter } from '../runtime/node-writer.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';
import { asSink, Changes, Store } from '../runtime/store.ts';

/** The outcome for the phase's message; a warning when the nodes were left as they were. */
export type CleanupOutcome =
  | { readonly kind: 'clean'; readonly nodes: number }
  | { readonly kind: 'kept'; readonly warning: string };

export async function cleanUpRelease(ctx: PhaseContext): Promise<CleanupOutcome> {
  await deleteTestPods(ctx);
  // The labeller gets as long to stop as the device plugin (spec.upgrade.timeouts).
  const stopSeconds = ctx.config.policy.timeouts.devicePluginStopSeconds;
  const running = await stopLabeller(ctx, stopSeconds);
  if (running.length > 0) {
    return {
      kind: 'kept',
      warning: `the labeller did not stop within ${stopSeconds}s (spec.upgrade.timeouts.devicePluginStopSeconds) (${running.join(', ')}), so the nodes keep the labels that hold it off (it would label them for Onload again); once it is gone remove them with: ${removalCommands(ctx.config.namespace)}`,
    };
  }
  return { kind: 'clean', nodes: await cleanNodes(ctx) };
}

/**
 * Removes the uninstall guard's finalizer, so the release's objects may go; a failed result when
 * it cannot (the deletion would wait for ever), naming the command that does it.
 */
export async function releaseUninstallGuard({
  port,
  config,
  log,
}: PhaseContext): Promise<PhaseResult | undefined> {
  const name = componentObjectName(config.crName, uninstallGuard.suffix);
  try {
    const found = await port.removeConfigMapFinalizer(
      config.namespace,
      name,
      uninstallGuard.finalizer,
    );
    log.info(
      found === 'removed'
        ? `released the uninstall guard ${config.namespace}/${name}: the release's objects may go`
        : `no uninstall guard to release (${config.namespace}/${name}: ${found})`,
    );
    return undefined;
  } catch (error) {
    return {
      exitCode: exitCodes.failed,
      message: `the drain is done, but the uninstall guard could not be released (${error instanceof Error ? error.message : String(error)}), so the release's objects cannot be deleted; run: kubectl patch configmap ${name} -n ${config.namespace} --type=merge -p '{"metadata":{"finalizers":null}}'`,
    };
  }
}

/** The kubectl commands that remove this namespace's keys from every node. */
function removalCommands(namespace: string): string {
  const names = ownKeys.map((k) => ownKeyName(namespace, k));
  const remove = (where: 'labels' | 'annotations'): string =>
    names
      .filter((n) => n.in === where)
      .map((n) => `${n.name}-`)
      .join(' ');
  return `kubectl label nodes --all ${remove('labels')} && kubectl annotate nodes --all ${remove('annotations')}`;
}

/** Scales the labeller to zero and waits until its pods are gone; the names of those left. */
async function stopLabeller(
  { port, config, log, clock, run }: PhaseContext,
  stopSeconds: number,
): Promise<string[]> {
  const name = componentObjectName(config.crName, components.labeller);
  if (!(await port.scaleDeployment(config.namespace, name, 0))) {
    log.info(`no labeller Deployment ${config.namespace}/${name}: nothing to stop`);
    return [];
  }
  const changes = new Changes();
  const pods = new Store<PodView>((p) => p.name, changes);
  const abort = new AbortController();
  port.watchPods(
    {
      namespace: config.namespace,
      labelSelector: `${instanceLabel}=${config.release},${componentLabel}=${components.labeller}`,
    },
    asSink(pods),
    abort.signal,
  );
  run.onStop(() => {
    changes.notify();
  });
  const until = clock.now() + stopSeconds * 1000;
  try {
    while (!pods.synced || pods.values().length > 0) {
      if (clock.now() >= until || run.stopping) break;
      await changes.wait(until, () => clock.now());
    }
  } finally {
    abort.abort();
  }
  const left = pods.synced ? pods.values().map((p) => p.name) : [`${name} (its pods not listed)`];
  if (left.length === 0) log.info(`stopped the labeller (${config.namespace}/${name})`);
  return left;
}

/** Removes this namespace's keys from every node carrying one; how many nodes it changed. */
async function cleanNodes({ port, config }: PhaseContext): Promise<number> {
  const byName = new Map<string, NodeView>();
  for (const key of ourLabelKeys(config.namespace))
    for (const n of await port.listNodes(key)) byName.set(n.name, n);
  const writer = new NodeWriter(port, config.namespace);
  let cleaned = 0;
  for (const node of byName.values())
    if ((await writer.settle(node, cleanupChange)).kind === 'written') cleaned++;
  return cleaned;
}

/** Helm keeps test hook pods after an uninstall; a failure to delete one never fails it. */
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
