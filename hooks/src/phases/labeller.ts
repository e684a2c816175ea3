// The node labeller (a Deployment): watches the selected nodes, the labelled nodes and the
// Modules, and applies planLabeller's decisions whenever something changes. Runs until SIGTERM.
import { kmmVersionLabel, metricsPaths, moduleNames } from '../contract.ts';
import type { ModuleView, NodeView } from '../kube/port.ts';
import {
  healthRoute,
  metricsRoute,
  startMetricsServer,
  type MetricsServer,
} from '../metrics/http.ts';
import { LabellerMetrics } from '../metrics/labeller-metrics.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { planLabeller, type LabellerWrite } from '../planner/labeller.ts';
import { NodeWriter } from '../runtime/node-writer.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';
import { runGrouped } from '../runtime/grouped.ts';
import { asSink, Changes, Store } from '../runtime/store.ts';

const settleMs = 500;
const resyncMs = 10 * 60_000;
const retryMs = 5_000;
const patchParallel = 8;

export async function runLabeller(ctx: PhaseContext): Promise<PhaseResult> {
  const { port, config, log, clock, run } = ctx;
  const ns = config.namespace;
  const selector = config.nodeSelector;
  const changes = new Changes();
  const selected = new Store<NodeView>(
    (n) => n.name,
    changes,
    (n) => n.resourceVersion,
  );
  const labelled = new Store<NodeView>(
    (n) => n.name,
    changes,
    (n) => n.resourceVersion,
  );
  const modules = new Store<ModuleView>((m) => m.name, changes);
  const abort = new AbortController();
  run.onStop(() => {
    abort.abort();
    changes.notify();
  });
  const trouble = (what: string) => (e: unknown) => {
    log.warn(`watch of ${what} interrupted; retrying`, { error: e });
  };
  port.watchNodes(
    selector,
    { ...asSink(selected), trouble: trouble('selected nodes') },
    abort.signal,
  );
  port.watchNodes(
    kmmVersionLabel(ns, moduleNames.onload),
    { ...asSink(labelled), trouble: trouble('labelled nodes') },
    abort.signal,
  );
  port.watchModules(ns, { ...asSink(modules), trouble: trouble('Modules') }, abort.signal);
  log.info(
    `labeller: watching nodes matching ${selector || '(all nodes)'} and the Modules in ${ns}`,
  );

  const metrics = await startMetrics(ctx);
  const writer = new NodeWriter(port, ns);
  const facts = (store: Store<NodeView>) => store.values().map((n) => readNodeFacts(n, ns));
  let reportedMissing = false;
  const stopped = (): boolean => run.stopping;
  while (!stopped()) {
    await changes.wait(clock.now() + resyncMs, () => clock.now());
    if (stopped()) break;
    await clock.sleep(settleMs);
    if (!selected.synced || !labelled.synced || !modules.synced) continue;
    const onload = modules.get(moduleNames.onload);
    const sfc = modules.get(moduleNames.sfc);
    if (onload?.version === undefined && !reportedMissing) {
      log.info(
        `Module ${ns}/${moduleNames.onload} does not exist (or has no version) yet: new nodes are not labelled`,
      );
      reportedMissing = true;
    }
    if (onload?.version !== undefined) reportedMissing = false;
    const input = {
      sfcEnabled: config.spec.sfc.enabled,
      selected: facts(selected),
      modules: { ...(onload ? { onload } : {}), ...(sfc ? { sfc } : {}) },
    };
    metrics?.metrics.update(input, clock.now());
    const writes = planLabeller({ ...input, labelled: facts(labelled) });
    if (await applyWrites(ctx, writer, writes, [selected, labelled]))
      setTimeout(() => {
        changes.notify();
      }, retryMs).unref();
  }
  abort.abort();
  await metrics?.server.close();
  return { exitCode: exitCodes.ok, message: 'labeller stopped' };
}

/** The labeller's /metrics server (config.metricsPort set), computed in the loop from its watches. */
async function startMetrics(
  ctx: PhaseContext,
): Promise<{ readonly metrics: LabellerMetrics; readonly server: MetricsServer } | undefined> {
  const port = ctx.config.metricsPort;
  if (port === undefined) return undefined;
  const metrics = new LabellerMetrics();
  const server = await startMetricsServer({
    port,
    log: ctx.log,
    routes: {
      [metricsPaths.metrics]: metricsRoute(metrics.registry),
      [metricsPaths.health]: healthRoute,
    },
  });
  ctx.log.info(`labeller: serving ${metricsPaths.metrics} on port ${server.port}`);
  return { metrics, server };
}

/** Applies the labeller's writes, a few nodes at once; true when some must be tried again. */
async function applyWrites(
  ctx: PhaseContext,
  writer: NodeWriter,
  writes: readonly LabellerWrite[],
  stores: readonly Store<NodeView>[],
): Promise<boolean> {
  const { log } = ctx;
  let retry = false;
  // Nodes that join together (a node pool scaling up) are labelled a few at a time.
  await runGrouped(
    writes,
    (w) => w.node,
    patchParallel,
    async (w) => {
      try {
        const { result, patch } = await writer.write(w);
        if (result.kind === 'patched') {
          for (const store of stores) store.upsert(result.object);
          log.info(`node ${w.node}: ${w.why}`, { node: w.node, patch });
        } else {
          retry = true;
          log.debug(`node ${w.node} changed meanwhile; deciding again`, { node: w.node });
        }
      } catch (e) {
        retry = true;
        log.warn(`node ${w.node}: could not update its labels (${w.why}); retrying`, {
          error: e,
        });
      }
    },
  );
  return retry;
}
