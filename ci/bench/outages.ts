// Safety figures of a bench rollout, from the same Node and Pod changes the invariant checker
// sees: each node's outage (its last Ready device plugin pod stops → a device plugin pod there is
// Ready again) and the most nodes out at once (paused, or without a Ready device plugin). Pure.
import { components, pausedLabel } from '../../hooks/src/contract.ts';
import {
  isReady,
  type KubeObject,
  type ObservationSink,
  type ObservedObject,
} from '../e2e/invariants.ts';

export interface OutageFigures {
  /** Seconds from a node losing its device plugin to having one Ready again, one per outage. */
  readonly outageSeconds: readonly number[];
  readonly mostNodesPaused: number;
  readonly mostNodesWithoutDevicePlugin: number;
  /** Outages still open when the figures were read (node names). */
  readonly open: readonly string[];
}

export class OutageRecorder implements ObservationSink {
  private readonly servingPods = new Map<string, Set<string>>();
  private readonly lostAt = new Map<string, number>();
  private readonly paused = new Set<string>();
  private readonly outages: number[] = [];
  private mostPaused = 0;
  private mostWithout = 0;

  private readonly namespace: string;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  observe(event: ObservedObject): void {
    const at = event.at ?? 0;
    if (event.kind === 'Node') this.observeNode(event);
    else if (this.isDevicePlugin(event.object)) this.observeDevicePlugin(event, at);
  }

  figures(): OutageFigures {
    return {
      outageSeconds: [...this.outages],
      mostNodesPaused: this.mostPaused,
      mostNodesWithoutDevicePlugin: this.mostWithout,
      open: [...this.lostAt.keys()].sort(),
    };
  }

  private observeNode(event: ObservedObject): void {
    const name = event.object.metadata.name;
    if (
      event.type !== 'DELETED' &&
      event.object.metadata.labels?.[pausedLabel(this.namespace)] !== undefined
    )
      this.paused.add(name);
    else this.paused.delete(name);
    this.mostPaused = Math.max(this.mostPaused, this.paused.size);
  }

  private observeDevicePlugin(event: ObservedObject, at: number): void {
    const pod = event.object;
    const node = pod.spec?.nodeName;
    if (!node) return;
    const key = pod.metadata.name;
    const serving = this.servingPods.get(node) ?? new Set<string>();
    this.servingPods.set(node, serving);
    const servesNow = event.type !== 'DELETED' && !pod.metadata.deletionTimestamp && isReady(pod);
    const servedBefore = serving.size > 0;
    if (servesNow) serving.add(key);
    else serving.delete(key);
    if (servedBefore && serving.size === 0) this.lostAt.set(node, at);
    if (!servedBefore && serving.size > 0) {
      const since = this.lostAt.get(node);
      if (since !== undefined) this.outages.push((at - since) / 1000);
      this.lostAt.delete(node);
    }
    this.mostWithout = Math.max(this.mostWithout, this.lostAt.size);
  }

  private isDevicePlugin(pod: KubeObject): boolean {
    return (
      pod.metadata.namespace === this.namespace &&
      pod.metadata.labels?.['app.kubernetes.io/component'] === components.devicePlugin
    );
  }
}
