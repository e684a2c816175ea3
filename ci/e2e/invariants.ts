// Rollout invariants, checked on every observed change of a Node or Pod, in the order the API
// server applied them (resourceVersion). Pure: feed it observations, read its violations. A change
// judged against the other watch stream's objects (a pod against its node's labels, a relabel
// against the node's pods) is judged against them as they were at its resourceVersion, and judged
// again whenever a change arrives late: its verdict stands only while it still holds.
import {
  components,
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  onloadResource,
  pausedLabel,
  userlandVersionLabel,
} from '../../hooks/src/contract.ts';
import { workerVersionLabel } from '../testbed/agents/kmm/labels.ts';
import { StreamHistory } from './stream-history.ts';

export interface ObservedObject {
  readonly kind: 'Node' | 'Pod';
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceVersion: number;
  readonly object: KubeObject;
  /** When the watch delivered it (ms). */
  readonly at?: number;
}

/** What the cluster observer feeds: the invariant checker, the bench's outage recorder. */
export interface ObservationSink {
  observe(event: ObservedObject): void;
}

export interface KubeObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: {
    readonly nodeName?: string;
    readonly containers?: readonly Container[];
    readonly initContainers?: readonly Container[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly { type: string; status: string; reason?: string }[];
  };
}

interface Container {
  readonly resources?: {
    readonly requests?: Record<string, string>;
    readonly limits?: Record<string, string>;
  };
}

export interface InvariantPolicy {
  readonly namespace: string;
  /** Most nodes that may be paused (out of service) at once. */
  readonly maxOutOfService: number;
  readonly sfcEnabled: boolean;
  /** Whether the KMM under test writes `.version.ready` (>= 2.5); default true. */
  readonly kmmWritesVersionReady?: boolean;
}

export interface Violation {
  readonly invariant: string;
  readonly resourceVersion: number;
  readonly detail: string;
}

export function usesOnload(pod: KubeObject): boolean {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return containers.some((c) => {
    const wanted = c.resources?.requests?.[onloadResource] ?? c.resources?.limits?.[onloadResource];
    return wanted !== undefined && wanted !== '0';
  });
}

export function isReady(pod: KubeObject): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function evictedThroughApi(pod: KubeObject): boolean {
  return (
    pod.status?.conditions?.some(
      (c) => c.type === 'DisruptionTarget' && c.reason === 'EvictionByEvictionAPI',
    ) ?? false
  );
}

interface CrossStreamVerdict {
  readonly violation: Violation;
  readonly holds: () => boolean;
}

export class InvariantChecker implements ObservationSink {
  private readonly found: Violation[] = [];
  private crossStream: CrossStreamVerdict[] = [];
  private readonly history = new StreamHistory();
  private newestRv = 0;
  /** Consumer pods seen terminating: their node, and whether the Eviction API did it. */
  readonly evictions = new Map<string, { readonly node: string; readonly viaApi: boolean }>();
  private readonly nodes = new Map<string, KubeObject>();
  private readonly pods = new Map<string, KubeObject>();
  private readonly policy: InvariantPolicy;
  /**
   * While false (uninstall, test clean-up), every node may be paused at once, unpaused without a
   * driver, and consumer pods may be deleted directly; the other invariants still hold.
   */
  private rolloutWatched = true;

  constructor(policy: InvariantPolicy) {
    this.policy = policy;
  }

  /** Outside rollouts (uninstall, test clean-up) the rollout's budget does not apply. */
  watchRollout(on: boolean): void {
    this.rolloutWatched = on;
  }

  get violations(): readonly Violation[] {
    return [...this.found, ...this.crossStream.map((v) => v.violation)];
  }

  observe(event: ObservedObject): void {
    const key = `${event.object.metadata.namespace ?? ''}/${event.object.metadata.name}`;
    const late = event.resourceVersion < this.newestRv;
    this.newestRv = Math.max(this.newestRv, event.resourceVersion);
    this.recordHistory(event, key);
    if (event.kind === 'Node') this.observeNode(event, key);
    else this.observePod(event, key);
    if (late) this.crossStream = this.crossStream.filter((v) => v.holds());
  }

  private recordHistory(event: ObservedObject, key: string): void {
    const { object, resourceVersion: rv } = event;
    const deleted = event.type === 'DELETED';
    if (event.kind === 'Node')
      this.history.recordNode(
        object.metadata.name,
        rv,
        deleted ? {} : (object.metadata.labels ?? {}),
      );
    else if (object.spec?.nodeName !== undefined && usesOnload(object))
      this.history.recordConsumer(object.spec.nodeName, key, rv, !deleted);
  }

  private fail(invariant: string, resourceVersion: number, detail: string): void {
    this.found.push({ invariant, resourceVersion, detail });
  }

  /** A verdict on the other stream's objects at `resourceVersion`, while `holds` says so. */
  private failAcrossStreams(
    invariant: string,
    resourceVersion: number,
    detail: () => string,
    holds: () => boolean,
  ): void {
    if (holds())
      this.crossStream.push({ violation: { invariant, resourceVersion, detail: detail() }, holds });
  }

  private observeNode(event: ObservedObject, key: string): void {
    const { namespace } = this.policy;
    const before = this.nodes.get(key);
    const after = event.object;
    if (event.type === 'DELETED') {
      this.nodes.delete(key);
      return;
    }
    this.nodes.set(key, after);
    const was = before?.metadata.labels ?? {};
    const now = after.metadata.labels ?? {};
    const name = after.metadata.name;
    const rv = event.resourceVersion;

    for (const module of Object.values(moduleNames)) {
      const label = kmmVersionLabel(namespace, module);
      if (before && was[label] !== now[label]) {
        const consumers = () => this.history.consumersBefore(name, rv);
        this.failAcrossStreams(
          'no relabel while consumers run',
          rv,
          () =>
            `${name}: ${label} ${was[label] ?? '∅'} → ${now[label] ?? '∅'} while ${consumers().join(', ')} still on the node`,
          () => consumers().length > 0,
        );
      }
    }
    const sfcLabel = kmmVersionLabel(namespace, moduleNames.sfc);
    if (
      before &&
      this.policy.sfcEnabled &&
      now[sfcLabel] !== undefined &&
      was[sfcLabel] !== now[sfcLabel]
    ) {
      if (now[kmmReadyLabel(namespace, moduleNames.onload)] !== undefined) {
        this.fail(
          'onload unloaded before sfc reloads',
          rv,
          `${name}: sfc set to ${now[sfcLabel]} while onload is still loaded`,
        );
      }
    }
    const paused = pausedLabel(namespace);
    if (this.rolloutWatched && before && was[paused] !== undefined && now[paused] === undefined) {
      const loaded = now[kmmVersionReadyLabel(namespace, moduleNames.onload)];
      const wanted = now[kmmVersionLabel(namespace, moduleNames.onload)];
      if (
        now[kmmReadyLabel(namespace, moduleNames.onload)] === undefined ||
        (loaded !== undefined && loaded !== wanted)
      ) {
        this.fail(
          'no unpause before the new driver is ready',
          rv,
          `${name}: unpaused with onload loaded=${loaded ?? '∅'} wanted=${wanted ?? '∅'}`,
        );
      }
    }
    const out = [...this.nodes.values()]
      .filter((n) => n.metadata.labels?.[paused] !== undefined)
      .map((n) => n.metadata.name);
    if (this.rolloutWatched && out.length > this.policy.maxOutOfService) {
      this.fail(
        'never more nodes out than allowed',
        rv,
        `${out.length} nodes paused (${out.join(', ')}), policy allows ${this.policy.maxOutOfService}`,
      );
    }
  }

  private observePod(event: ObservedObject, key: string): void {
    const pod = event.object;
    if (event.type === 'DELETED') {
      this.pods.delete(key);
      return;
    }
    const known = this.pods.get(key);
    this.pods.set(key, pod);
    const rv = event.resourceVersion;
    const nodeName = pod.spec?.nodeName;
    const scheduledNow = nodeName !== undefined && known?.spec?.nodeName === undefined;
    if (scheduledNow && event.type !== 'ADDED' && this.isOnloadDaemonPod(pod)) {
      const ready = kmmReadyLabel(this.policy.namespace, moduleNames.onload);
      this.failAcrossStreams(
        'daemon pods start only where the driver is loaded',
        rv,
        () => `${key} scheduled on ${nodeName} before onload was loaded there`,
        () => this.history.nodeLabelsBefore(nodeName, rv)[ready] === undefined,
      );
    }
    // A pod that has ended (e.g. a helm test pod) holds no device: deleting it evicts nobody.
    const ended = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (usesOnload(pod) && !ended && pod.metadata.deletionTimestamp && !this.evictions.has(key)) {
      const viaApi = evictedThroughApi(pod);
      this.evictions.set(key, { node: pod.spec?.nodeName ?? '', viaApi });
      if (this.rolloutWatched && !viaApi)
        this.fail(
          'every eviction goes through the Eviction API',
          rv,
          `${key} was deleted without the Eviction API`,
        );
    }
    if (this.isOnloadDaemonPod(pod) && isReady(pod)) {
      const nodeName = pod.spec?.nodeName ?? '';
      const versionReady = kmmVersionReadyLabel(this.policy.namespace, moduleNames.onload);
      const loaded = () => this.history.nodeLabelsBefore(nodeName, rv)[versionReady];
      const userland = pod.metadata.labels?.[userlandVersionLabel];
      this.failAcrossStreams(
        'userland matches the loaded driver',
        rv,
        () =>
          `${key} Ready with userland ${userland ?? '∅'} on ${nodeName} whose driver is ${loaded() ?? '∅'}`,
        () => {
          const version = loaded();
          return version !== undefined && version !== userland;
        },
      );
    }
  }

  private isOnloadDaemonPod(pod: KubeObject): boolean {
    const component = pod.metadata.labels?.['app.kubernetes.io/component'];
    const daemon = component === components.devicePlugin || component === components.controlPlane;
    return daemon && pod.metadata.namespace === this.policy.namespace;
  }

  /** Final state: nothing paused, every selected node labelled and loaded at `version`. */
  checkSettled(selectedNodes: readonly string[], version: string): void {
    const { namespace } = this.policy;
    const modules = this.policy.sfcEnabled
      ? [moduleNames.onload, moduleNames.sfc]
      : [moduleNames.onload];
    for (const node of this.nodes.values()) {
      const labels = node.metadata.labels ?? {};
      const name = node.metadata.name;
      if (labels[pausedLabel(namespace)] !== undefined)
        this.fail('nothing left paused', 0, `${name} is still paused`);
      if (!selectedNodes.includes(name)) continue;
      for (const module of modules) {
        const wanted = labels[kmmVersionLabel(namespace, module)];
        const loaded = kmmLoadedVersion(
          labels,
          namespace,
          module,
          this.policy.kmmWritesVersionReady ?? true,
        );
        if (wanted !== version || loaded !== version) {
          this.fail(
            'labels consistent at the end',
            0,
            `${name}: ${module} wanted=${wanted ?? '∅'} loaded=${loaded ?? '∅'}, expected ${version}`,
          );
        }
      }
    }
  }
}

/**
 * The version of `module` KMM has loaded on a node: `.version.ready` where KMM writes it (>= 2.5);
 * before that, while `.ready` is on, KMM's own worker label (the version its loaded NMC entry was
 * written for).
 */
export function kmmLoadedVersion(
  labels: Readonly<Record<string, string>>,
  namespace: string,
  module: string,
  kmmWritesVersionReady: boolean,
): string | undefined {
  const versionReady = labels[kmmVersionReadyLabel(namespace, module)];
  if (versionReady || kmmWritesVersionReady) return versionReady;
  return kmmReadyLabel(namespace, module) in labels
    ? labels[workerVersionLabel(namespace, module)]
    : undefined;
}
