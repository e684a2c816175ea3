// The live view a rollout plans from: list+watch caches of the selected nodes, this release's pods,
// KMM's worker pods, the Modules and the Onload resource, plus pod watches for the nodes in
// progress only (by spec.nodeName) and NodeModulesConfigs read on demand. No cluster-wide lists.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  pauseAnnotation,
  canaryDoneAnnotation,
} from '../contract.ts';
import type { KubePort, ModuleView, NmcView, NodeView, OnloadView, PodView } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';
import { readNodeFacts } from '../model/node-facts.ts';
import { instanceLabel, kmmWorkerActionLabel, nameLabel, podKey } from '../model/pods.ts';
import type { EvictionRecord, RolloutSnapshot } from '../planner/types.ts';
import type { PhaseContext } from './run.ts';
import { asSink, Changes, Store } from './store.ts';

export interface WorldOptions {
  readonly port: KubePort;
  readonly namespace: string;
  readonly release: string;
  readonly crName: string;
  /** Label selector of the nodes (spec.selector). */
  readonly nodeSelector: string;
  readonly log: Logger;
}

export interface RunState {
  readonly runStartedAt: number;
  readonly deadlineAt: number;
  readonly stopping: boolean;
}

interface NodePods {
  readonly store: Store<PodView>;
  readonly abort: AbortController;
}

export class RolloutWorld {
  readonly changes = new Changes();
  readonly nodes: Store<NodeView>;
  readonly releasePods: Store<PodView>;
  readonly workers: Store<PodView>;
  readonly modules: Store<ModuleView>;
  readonly onload: Store<OnloadView>;
  readonly evictions = new Map<string, EvictionRecord>();
  private readonly nodePods = new Map<string, NodePods>();
  private readonly nmc = new Map<string, { readonly key: string; readonly view: NmcView | null }>();
  private readonly abort = new AbortController();
  private readonly o: WorldOptions;

  /** The world of a phase's release: its nodes by the spec's selector. */
  static forPhase(ctx: PhaseContext): RolloutWorld {
    const { port, config, log } = ctx;
    return new RolloutWorld({
      port,
      namespace: config.namespace,
      release: config.release,
      crName: config.crName,
      nodeSelector: config.nodeSelector,
      log,
    });
  }

  constructor(options: WorldOptions) {
    this.o = options;
    this.nodes = new Store<NodeView>(
      (n) => n.name,
      this.changes,
      (n) => n.resourceVersion,
    );
    this.releasePods = new Store<PodView>(podKey, this.changes);
    this.workers = new Store<PodView>(podKey, this.changes);
    this.modules = new Store<ModuleView>((m) => m.name, this.changes);
    this.onload = new Store<OnloadView>(() => 'cr', this.changes);
  }

  start(): void {
    const { port, namespace, release, crName, nodeSelector, log } = this.o;
    const signal = this.abort.signal;
    const trouble = (what: string) => (e: unknown) => {
      log.debug(`watch of ${what} interrupted`, { error: e });
    };
    port.watchNodes(nodeSelector, { ...asSink(this.nodes), trouble: trouble('nodes') }, signal);
    port.watchPods(
      { namespace, labelSelector: `${nameLabel}=onload,${instanceLabel}=${release}` },
      { ...asSink(this.releasePods), trouble: trouble('release pods') },
      signal,
    );
    port.watchPods(
      { namespace, labelSelector: kmmWorkerActionLabel },
      { ...asSink(this.workers), trouble: trouble('KMM worker pods') },
      signal,
    );
    port.watchModules(namespace, { ...asSink(this.modules), trouble: trouble('Modules') }, signal);
    port.watchOnload(
      namespace,
      crName,
      { ...asSink(this.onload), trouble: trouble('Onload') },
      signal,
    );
  }

  get synced(): boolean {
    return [this.nodes, this.releasePods, this.workers, this.modules, this.onload].every(
      (s) => s.synced,
    );
  }

  /** Watches the pods of exactly these nodes (starting new watches, stopping the others). */
  watchNodePods(names: readonly string[]): void {
    const wanted = new Set(names);
    for (const [name, w] of this.nodePods) {
      if (wanted.has(name)) continue;
      w.abort.abort();
      this.nodePods.delete(name);
    }
    for (const name of wanted) {
      if (this.nodePods.has(name)) continue;
      const store = new Store<PodView>(podKey, this.changes);
      // Stopped with the world, or on its own once the node needs no watching.
      const abort = new AbortController();
      const stopWithWorld = (): void => {
        abort.abort();
      };
      this.abort.signal.addEventListener('abort', stopWithWorld, { once: true });
      abort.signal.addEventListener(
        'abort',
        () => {
          this.abort.signal.removeEventListener('abort', stopWithWorld);
        },
        { once: true },
      );
      this.nodePods.set(name, { store, abort });
      this.o.port.watchPods(
        { fieldSelector: `spec.nodeName=${name}` },
        asSink(store),
        abort.signal,
      );
    }
  }

  /** Reads the NodeModulesConfig of nodes whose KMM labels changed since the last read. */
  async fetchNmc(names: readonly string[]): Promise<boolean> {
    let fetched = false;
    for (const name of names) {
      const node = this.nodes.get(name);
      if (!node) continue;
      const key = kmmLabelKey(node, this.o.namespace);
      if (this.nmc.get(name)?.key === key) continue;
      const view = (await this.o.port.getNodeModulesConfig(name)) ?? null;
      this.nmc.set(name, { key, view });
      fetched = true;
    }
    return fetched;
  }

  snapshot(now: number, run: RunState): RolloutSnapshot {
    const nodePods = new Map<string, readonly PodView[]>();
    for (const [name, w] of this.nodePods) if (w.store.synced) nodePods.set(name, w.store.values());
    const nmc = new Map<string, NmcView | null>();
    for (const [name, entry] of this.nmc) {
      const node = this.nodes.get(name);
      if (node && kmmLabelKey(node, this.o.namespace) === entry.key) nmc.set(name, entry.view);
    }
    const cr = this.onload.get('cr');
    const canaryDone = cr?.annotations[canaryDoneAnnotation];
    const onloadModule = this.modules.get(moduleNames.onload);
    const sfcModule = this.modules.get(moduleNames.sfc);
    return {
      now,
      runStartedAt: run.runStartedAt,
      deadlineAt: run.deadlineAt,
      stopping: run.stopping,
      nodes: this.nodes.values().map((view) => ({
        view,
        facts: readNodeFacts(view, this.o.namespace),
      })),
      nodePods,
      releasePods: this.releasePods.values(),
      workerPods: this.workers.values(),
      nmc,
      modules: {
        ...(onloadModule ? { onload: onloadModule } : {}),
        ...(sfcModule ? { sfc: sfcModule } : {}),
      },
      cr: {
        paused: cr?.annotations[pauseAnnotation] === 'true',
        ...(canaryDone !== undefined ? { canaryDone } : {}),
      },
      evictions: this.evictions,
    };
  }

  stop(): void {
    this.abort.abort();
  }
}

/** The KMM labels of a node: when they change, a cached NodeModulesConfig may be stale. */
function kmmLabelKey(node: NodeView, namespace: string): string {
  return (['onload', 'sfc'] as const)
    .map((m) => {
      const name = moduleNames[m];
      return [
        node.labels[kmmVersionLabel(namespace, name)],
        Object.hasOwn(node.labels, kmmReadyLabel(namespace, name)),
        node.labels[kmmVersionReadyLabel(namespace, name)],
      ].join('|');
    })
    .join(';');
}
