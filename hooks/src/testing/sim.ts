// An in-memory cluster for planner property tests: nodes, pods, KMM and the DaemonSets
// (kmm-model.ts), and workloads behind disruption budgets. It applies planner actions and records
// every rule the rollout breaks. It judges the rollout with its own model of the node labels
// (sim-model.ts), not with the planner's readers, so a bug in those shows up as a violation.
import { moduleNames, type ModuleKey } from '../contract.ts';
import { mergeStringMap } from './merge-patch.ts';
import type { NmcView, NodeView, PodView } from '../kube/port.ts';
import { nodePatch } from '../runtime/node-writer.ts';
import { podKey } from '../model/pods.ts';
import type { Policy } from '../planner/policy.ts';
import type { Action, EvictionRecord, RolloutSnapshot } from '../planner/types.ts';
import {
  consumer,
  module,
  node as makeNode,
  ns,
  selected,
  services,
  t0,
  worker,
} from './fixtures.ts';
import { kmmReconcile, servicesRun, type Loaded } from './kmm-model.ts';
import { isActive, maxUnavailableOf, simView, versionKey } from './sim-model.ts';

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
  private readonly loaded = new Map<string, Loaded>();
  /** Pods the Sim created as workloads using Onload, and as the device plugin / control plane. */
  private readonly consumerKeys = new Set<string>();
  private readonly serviceKeys = new Set<string>();
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
      this.startServices(n.name, o.from);
      for (let i = 0; i < (n.consumers ?? 0); i++) {
        const c = consumer(`app-${n.name}-${i}`, n.name);
        this.pods.set(podKey(c), c);
        this.consumerKeys.add(podKey(c));
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
          configApplied: loaded[m] !== undefined && loaded[m] === node.labels[versionKey(m)],
        })),
      });
    }
    const v = this.policy.desiredVersion;
    return {
      now: this.now,
      runStartedAt: this.runStartedAt,
      deadlineAt: this.now + 10 * 3_600_000,
      stopping: false,
      nodes: selected([...this.nodes.values()]),
      nodePods,
      releasePods: pods.filter((p) => p.namespace === ns),
      workerPods: [...this.broken]
        .filter(
          (n) =>
            this.nodes.get(n)?.labels[versionKey('onload')] === v && !this.loaded.get(n)?.onload,
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
    return [...this.nodes.values()].filter((n) => isActive(simView(n))).map((n) => n.name);
  }

  private startServices(node: string, version: string): void {
    for (const p of services(node, version)) {
      this.pods.set(podKey(p), p);
      this.serviceKeys.add(podKey(p));
    }
  }

  private podsOn(node: string, keys: ReadonlySet<string>): PodView[] {
    return [...this.pods.entries()]
      .filter(([key, p]) => keys.has(key) && p.nodeName === node)
      .map(([, p]) => p);
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
    const patch = nodePatch(a.change, ns);
    const labels = mergeStringMap(node.labels, patch.labels ?? {});
    const annotations = mergeStringMap(node.annotations, patch.annotations ?? {});
    const next = { ...node, labels, annotations, resourceVersion: String(++this.rv) };
    this.checkDriverRules(a.node, simView(node), simView(next));
    if (!isActive(simView(node)) && isActive(simView(next))) this.checkStart(a.node, node);
    this.nodes.set(a.node, next);
    if (this.active().length > this.policy.maxParallel)
      this.violations.push(
        `${this.active().length} nodes in progress (max ${this.policy.maxParallel})`,
      );
  }

  /** Relabelling for KMM only with the node drained, in dependency order; unpausing once loaded. */
  private checkDriverRules(
    name: string,
    before: ReturnType<typeof simView>,
    after: ReturnType<typeof simView>,
  ): void {
    const v = this.policy.desiredVersion;
    const loaded = this.loaded.get(name) ?? {};
    const onNode = this.podsOn(name, this.consumerKeys);
    const svc = this.podsOn(name, this.serviceKeys);
    for (const m of ['onload', 'sfc'] as const) {
      if (before.version[m] === after.version[m]) continue;
      if (onNode.length > 0) this.violations.push(`${name}: ${m} relabelled while consumers run`);
      if (svc.length > 0)
        this.violations.push(`${name}: ${m} relabelled while device plugin pods run`);
    }
    if (
      after.version.onload === v &&
      before.version.onload !== v &&
      this.policy.sfcEnabled &&
      loaded.sfc !== v
    )
      this.violations.push(`${name}: onload set before sfc ${v} loaded`);
    if (before.version.sfc !== after.version.sfc && loaded.onload !== undefined)
      this.violations.push(`${name}: sfc relabelled while onload is loaded`);
    if (
      before.paused &&
      !after.paused &&
      (loaded.onload !== v || (this.policy.sfcEnabled && loaded.sfc !== v))
    )
      this.violations.push(`${name}: unpaused before the new driver was loaded`);
  }

  /** A start only while not paused, not skip-labelled, within maxUnavailable. */
  private checkStart(name: string, before: NodeView): void {
    if (this.cr.paused) this.violations.push(`${name}: started while the rollout is paused`);
    if (simView(before).skip) this.violations.push(`${name}: started although skip-labelled`);
    const unavailable = [...this.nodes.values()].filter((n) => {
      const view = simView(n);
      return !n.ready || n.unschedulable || view.state === 'upgrade-failed' || isActive(view);
    });
    const counted = unavailable.some((n) => n.name === name);
    const max = maxUnavailableOf(this.policy.maxUnavailable, this.nodes.size);
    if (!counted && unavailable.length >= max)
      this.violations.push(
        `${name}: started with ${unavailable.length} nodes unavailable (max ${max})`,
      );
    this.startOrder.push(name);
  }

  /** Advances time and lets KMM, the DaemonSet controller and the kubelet react. */
  tick(ms: number): void {
    this.now += ms;
    const v = this.policy.desiredVersion;
    for (const [key, pod] of this.pods) if (pod.deleting) this.pods.delete(key);
    for (const [name, node] of this.nodes) {
      if (!node.ready) continue;
      const { loaded, ops } = kmmReconcile({
        namespace: ns,
        labels: node.labels,
        loaded: this.loaded.get(name) ?? {},
        moduleVersion: (m: ModuleKey) => (m === 'sfc' && !this.policy.sfcEnabled ? undefined : v),
        sfcManaged: this.policy.sfcEnabled,
        broken: this.broken.has(name),
        versionReady: this.versionReady,
      });
      this.loaded.set(name, loaded);
      const labels = mergeStringMap(node.labels, ops);
      const svc = this.podsOn(name, this.serviceKeys);
      const shouldRun = servicesRun(ns, labels);
      if (!shouldRun) for (const p of svc) this.pods.set(podKey(p), { ...p, deleting: true });
      else if (svc.length === 0) this.startServices(name, v);
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
