// An in-memory cluster for planner property tests: nodes, pods, a KMM that follows the label
// contract (docs/architecture.md), DaemonSets gated on `.ready` and our pause label, and workloads behind
// disruption budgets. It applies planner actions and records every rule the rollout breaks.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  pausedLabel,
  type ModuleKey,
} from '../contract.ts';
import { mergeStringMap } from './merge-patch.ts';
import type { NmcView, NodeView, PodView } from '../kube/port.ts';
import { isInProgressState, readNodeFacts } from '../model/node-facts.ts';
import { consumers, nodeServicePods, podKey } from '../model/pods.ts';
import { resolveMaxUnavailable, type Policy } from '../planner/policy.ts';
import type { Action, EvictionRecord, RolloutSnapshot } from '../planner/types.ts';
import { consumer, module, node as makeNode, ns, services, t0, worker } from './fixtures.ts';

export interface SimNode {
  readonly name: string;
  readonly ready?: boolean;
  readonly unschedulable?: boolean;
  readonly labels?: Record<string, string>;
  /** Consumer pods on the node. */
  readonly consumers?: number;
  /** Evictions of each consumer refused (429) before one is accepted. */
  readonly refusals?: number;
  /** KMM never manages to load the new version here (worker crash-loops). */
  readonly brokenDriver?: boolean;
}

export interface SimOptions {
  readonly nodes: readonly SimNode[];
  readonly from: string;
  readonly policy: Policy;
  /** KMM >= 2.5 (writes `.version.ready`). */
  readonly versionReady: boolean;
  readonly paused?: boolean;
}

export class Sim {
  now = t0;
  runStartedAt = t0;
  readonly violations: string[] = [];
  readonly nodes = new Map<string, NodeView>();
  readonly pods = new Map<string, PodView>();
  readonly evictions = new Map<string, EvictionRecord>();
  cr: { paused: boolean; canaryDone?: string };
  /** Which version KMM has loaded per node and module. */
  private readonly loaded = new Map<string, Partial<Record<ModuleKey, string>>>();
  private readonly refusalsLeft = new Map<string, number>();
  private readonly broken = new Set<string>();
  private readonly policy: Policy;
  private readonly versionReady: boolean;
  private rv = 1;
  /** Everything that ever became active, in order of start. */
  readonly startOrder: string[] = [];

  constructor(o: SimOptions) {
    this.policy = o.policy;
    this.versionReady = o.versionReady;
    this.cr = { paused: o.paused ?? false };
    for (const n of o.nodes) {
      const view = makeNode(n.name, {
        version: o.from,
        sfc: o.policy.sfcEnabled ? o.from : null,
        loaded: o.from,
        sfcLoaded: o.policy.sfcEnabled ? o.from : null,
        oldKmm: !o.versionReady,
        ready: n.ready ?? true,
        unschedulable: n.unschedulable ?? false,
        allocatable: 10,
        ...(n.labels ? { labels: n.labels } : {}),
      });
      this.nodes.set(n.name, view);
      this.loaded.set(n.name, { onload: o.from, ...(o.policy.sfcEnabled ? { sfc: o.from } : {}) });
      for (const p of services(n.name, o.from)) this.pods.set(podKey(p), p);
      for (let i = 0; i < (n.consumers ?? 0); i++) {
        const c = consumer(`app-${n.name}-${i}`, n.name);
        this.pods.set(podKey(c), c);
        this.refusalsLeft.set(c.uid, n.refusals ?? 0);
      }
      if (n.brokenDriver) this.broken.add(n.name);
    }
  }

  snapshot(): RolloutSnapshot {
    const pods = [...this.pods.values()];
    const nodePods = new Map<string, PodView[]>();
    for (const n of this.nodes.keys())
      nodePods.set(
        n,
        pods.filter((p) => p.nodeName === n),
      );
    const nmc = new Map<string, NmcView | null>();
    for (const [name, node] of this.nodes) {
      const loaded = this.loaded.get(name) ?? {};
      nmc.set(name, {
        modules: (['onload', 'sfc'] as const).map((m) => ({
          namespace: this.policy.namespace,
          name: moduleNames[m],
          configApplied:
            loaded[m] !== undefined &&
            loaded[m] === node.labels[kmmVersionLabel(this.policy.namespace, m)],
        })),
      });
    }
    const v = this.policy.desiredVersion;
    return {
      now: this.now,
      runStartedAt: this.runStartedAt,
      deadlineAt: this.now + 10 * 3_600_000,
      stopping: false,
      nodes: [...this.nodes.values()],
      nodePods,
      releasePods: pods.filter((p) => p.namespace === ns),
      workerPods: [...this.broken]
        .filter(
          (n) =>
            this.nodes.get(n)?.labels[kmmVersionLabel(ns, 'onload')] === v &&
            !this.loaded.get(n)?.onload,
        )
        .map((n) =>
          worker(n, 'onload', { restarts: 5, trouble: 'CrashLoopBackOff', createdAt: this.now }),
        ),
      nmc,
      modules: {
        onload: module('onload', v),
        ...(this.policy.sfcEnabled ? { sfc: module('sfc', v) } : {}),
      },
      cr: this.cr,
      evictions: this.evictions,
    };
  }

  /** A new hook run after the previous one was killed: nothing survives but the cluster. */
  restart(): void {
    this.runStartedAt = this.now;
    this.evictions.clear();
  }

  active(): string[] {
    return [...this.nodes.values()]
      .filter((n) => {
        const f = readNodeFacts(n, ns);
        return f.state !== 'upgrade-failed' && (f.paused || isInProgressState(f.state));
      })
      .map((n) => n.name);
  }

  apply(actions: readonly Action[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'patch-node':
          this.patch(a);
          break;
        case 'evict': {
          const key = podKey(a.pod);
          const pod = this.pods.get(key);
          if (!pod) break;
          const left = this.refusalsLeft.get(pod.uid) ?? 0;
          if (left > 0) {
            this.refusalsLeft.set(pod.uid, left - 1);
            this.evictions.set(pod.uid, {
              at: this.now,
              outcome: 'blocked',
              budgets: ['apps/pdb'],
            });
          } else {
            this.pods.set(key, { ...pod, deleting: true });
            this.evictions.set(pod.uid, { at: this.now, outcome: 'evicted' });
          }
          break;
        }
        case 'delete-pod': {
          const pod = this.pods.get(podKey(a.pod));
          if (pod) this.pods.set(podKey(pod), { ...pod, deleting: true });
          this.evictions.set(a.pod.uid, { at: this.now, outcome: 'deleted' });
          break;
        }
        case 'pause-rollout':
          this.cr = { paused: true, canaryDone: a.version };
          break;
      }
    }
  }

  private patch(a: Extract<Action, { kind: 'patch-node' }>): void {
    const node = this.nodes.get(a.node);
    if (!node) return;
    if (node.resourceVersion !== a.resourceVersion) return; // 409: the planner re-reads
    const ns = this.policy.namespace;
    const before = readNodeFacts(node, ns);
    const labels = mergeStringMap(node.labels, a.labels);
    const annotations = mergeStringMap(node.annotations, a.annotations);
    const next = { ...node, labels, annotations, resourceVersion: String(++this.rv) };
    const after = readNodeFacts(next, ns);
    const pods = [...this.pods.values()];
    const onNode = consumers(pods, a.node, this.policy.eviction.extra);
    const svc = nodeServicePods(pods, a.node, { namespace: ns, release: this.policy.release });
    const v = this.policy.desiredVersion;
    const loaded = this.loaded.get(a.node) ?? {};

    for (const m of ['onload', 'sfc'] as const) {
      if (before.modules[m].label !== after.modules[m].label) {
        if (onNode.length > 0)
          this.violations.push(`${a.node}: ${m} relabelled while consumers run`);
        if (svc.length > 0)
          this.violations.push(`${a.node}: ${m} relabelled while device plugin pods run`);
      }
    }
    if (
      after.modules.onload.label === v &&
      before.modules.onload.label !== v &&
      this.policy.sfcEnabled &&
      loaded.sfc !== v
    )
      this.violations.push(`${a.node}: onload set before sfc ${v} loaded`);
    if (before.modules.sfc.label !== after.modules.sfc.label && loaded.onload !== undefined)
      this.violations.push(`${a.node}: sfc relabelled while onload is loaded`);
    if (
      before.paused &&
      !after.paused &&
      (loaded.onload !== v || (this.policy.sfcEnabled && loaded.sfc !== v))
    )
      this.violations.push(`${a.node}: unpaused before the new driver was loaded`);
    const wasActive =
      before.state !== 'upgrade-failed' && (before.paused || isInProgressState(before.state));
    const isActive =
      after.state !== 'upgrade-failed' && (after.paused || isInProgressState(after.state));
    if (!wasActive && isActive) {
      if (this.cr.paused) this.violations.push(`${a.node}: started while the rollout is paused`);
      if (before.skip) this.violations.push(`${a.node}: started although skip-labelled`);
      const unavailable = [...this.nodes.values()].filter((n) => {
        const f = readNodeFacts(n, ns);
        return (
          !n.ready ||
          n.unschedulable ||
          f.state === 'upgrade-failed' ||
          f.paused ||
          isInProgressState(f.state)
        );
      });
      const counted = unavailable.some((n) => n.name === a.node);
      const max = resolveMaxUnavailable(this.policy.maxUnavailable, this.nodes.size);
      if (!counted && unavailable.length >= max)
        this.violations.push(
          `${a.node}: started with ${unavailable.length} nodes unavailable (max ${max})`,
        );
      this.startOrder.push(a.node);
    }
    this.nodes.set(a.node, next);
    if (this.active().length > this.policy.maxParallel)
      this.violations.push(
        `${this.active().length} nodes in progress (max ${this.policy.maxParallel})`,
      );
  }

  /** Advances time and lets KMM, the DaemonSet controller and the kubelet react. */
  tick(ms: number): void {
    this.now += ms;
    const ns = this.policy.namespace;
    const v = this.policy.desiredVersion;
    for (const [key, pod] of this.pods) if (pod.deleting) this.pods.delete(key);
    for (const [name, node] of this.nodes) {
      if (!node.ready) continue;
      let labels: Record<string, string> = { ...node.labels };
      const loaded = { ...this.loaded.get(name) };
      const pods = [...this.pods.values()].filter((p) => p.nodeName === name);
      const modules: ModuleKey[] = ['onload', 'sfc'];
      for (const m of modules) {
        const want = labels[kmmVersionLabel(ns, m)];
        const have = loaded[m];
        if (have !== undefined && want !== have) {
          if (m === 'sfc' && loaded.onload !== undefined) continue; // in use by onload: KMM's unload fails
          loaded[m] = undefined;
          labels = mergeStringMap(labels, {
            [kmmReadyLabel(ns, m)]: null,
            [kmmVersionReadyLabel(ns, m)]: null,
          });
        } else if (have === undefined && want !== undefined && want === v) {
          if (m === 'onload' && this.broken.has(name)) continue;
          if (m === 'onload' && this.policy.sfcEnabled && loaded.sfc === undefined) continue;
          loaded[m] = want;
          labels[kmmReadyLabel(ns, m)] = '';
          if (this.versionReady) labels[kmmVersionReadyLabel(ns, m)] = want;
        }
      }
      this.loaded.set(name, loaded);
      const svc = nodeServicePods(pods, name, { namespace: ns, release: this.policy.release });
      const shouldRun =
        Object.hasOwn(labels, kmmReadyLabel(ns, 'onload')) &&
        !Object.hasOwn(labels, pausedLabel(ns));
      if (!shouldRun) for (const p of svc) this.pods.set(podKey(p), { ...p, deleting: true });
      else if (svc.length === 0) for (const p of services(name, v)) this.pods.set(podKey(p), p);
      const running = shouldRun && svc.some((p) => p.ready);
      this.nodes.set(name, {
        ...node,
        labels,
        onloadAllocatable: running ? 10 : 0,
        resourceVersion: String(++this.rv),
      });
    }
  }
}
