// Kubernetes Events on Nodes and on the Onload resource, only for what a user reads: the rollout
// started, paused, finished or failed, a node failed or is retried (on the Node too, for `kubectl
// describe node`), and the nodes started and upgraded, gathered into one RolloutProgress Event on
// the Onload resource at most every `progressIntervalMs` (each node's internal steps are in the
// hook's log and its state label). Best effort: a failed event never stops a rollout (it is
// logged at debug level).
import type { KubePort } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';

export const eventReason = 'OnloadUpgrade';
export const progressReason = 'RolloutProgress';
export const eventComponent = 'onload-hooks';
export const clusterScopedEventNamespace = 'default';

/** Node names a RolloutProgress Event lists before it says how many more there are. */
const maxListed = 20;

export interface EventTarget {
  readonly namespace: string;
  readonly crName: string;
  readonly identity: string;
}

export interface EventTiming {
  readonly now: () => number;
  /** RolloutProgress Events at most this often, unless forced (default 30 s). */
  readonly progressIntervalMs?: number;
}

/** What the next RolloutProgress Event tells about one node. */
interface NodeProgress {
  upgraded: boolean;
  /** How it started: "canary", "retry". */
  note?: string;
}

export class EventRecorder {
  private readonly port: KubePort;
  private readonly target: EventTarget;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly progressIntervalMs: number;
  private crUid: string | undefined;
  private readonly progress = new Map<string, NodeProgress>();
  private progressAt = Number.NEGATIVE_INFINITY;
  private summary = '';

  constructor(port: KubePort, target: EventTarget, log: Logger, timing?: EventTiming) {
    this.port = port;
    this.target = target;
    this.log = log;
    this.now = timing?.now ?? (() => Date.now());
    this.progressIntervalMs = timing?.progressIntervalMs ?? 30_000;
  }

  setOnloadUid(uid: string | undefined): void {
    this.crUid = uid;
  }

  async node(
    name: string,
    uid: string,
    message: string,
    warning = false,
    reason = eventReason,
  ): Promise<void> {
    await this.emit({ kind: 'Node', name, uid, apiVersion: 'v1' }, message, warning, reason);
  }

  /** An Event on the Onload resource; the pending RolloutProgress goes out first, to keep order. */
  async onload(message: string, warning = false, reason = eventReason): Promise<void> {
    await this.flushProgress(undefined, true);
    await this.emitOnload(message, warning, reason);
  }

  /** A node started (`note`: canary, retry) for the next RolloutProgress Event. */
  nodeStarted(name: string, note?: string): void {
    this.progress.set(name, { upgraded: false, ...(note !== undefined ? { note } : {}) });
  }

  /** A node upgraded, for the next RolloutProgress Event. */
  nodeUpgraded(name: string): void {
    const seen = this.progress.get(name);
    this.progress.set(name, { ...seen, upgraded: true });
  }

  /** When the pending RolloutProgress Event falls due; undefined when nothing is pending. */
  get progressDueAt(): number | undefined {
    return this.progress.size > 0 ? this.progressAt + this.progressIntervalMs : undefined;
  }

  /**
   * Sends the pending RolloutProgress Event if it is due (or `force`), ending with `summary`
   * (the latest one given when undefined).
   */
  async flushProgress(summary?: string, force = false): Promise<void> {
    if (summary !== undefined) this.summary = summary;
    if (this.progress.size === 0) return;
    const now = this.now();
    if (!force && now < this.progressAt + this.progressIntervalMs) return;
    const entries = [...this.progress];
    this.progress.clear();
    this.progressAt = now;
    const named = (e: (typeof entries)[number]): string =>
      e[1].note !== undefined ? `${e[0]} (${e[1].note})` : e[0];
    const upgraded = entries.filter(([, p]) => p.upgraded).map(named);
    const started = entries.filter(([, p]) => !p.upgraded).map(named);
    const message = [
      ...(upgraded.length > 0 ? [`upgraded: ${listed(upgraded)}`] : []),
      ...(started.length > 0 ? [`started: ${listed(started)}`] : []),
      ...(this.summary ? [this.summary] : []),
    ].join('; ');
    await this.emitOnload(message, false, progressReason);
  }

  private async emitOnload(message: string, warning: boolean, reason: string): Promise<void> {
    await this.emit(
      {
        kind: 'Onload',
        name: this.target.crName,
        namespace: this.target.namespace,
        apiVersion: 'onload.amd.com/v1alpha1',
        ...(this.crUid ? { uid: this.crUid } : {}),
      },
      message,
      warning,
      reason,
    );
  }

  private async emit(
    involved: Parameters<KubePort['createEvent']>[0]['involved'],
    message: string,
    warning: boolean,
    reason: string,
  ): Promise<void> {
    try {
      await this.port.createEvent({
        // The API server wants events about cluster-scoped objects (Nodes) in "default".
        namespace: involved.namespace ?? clusterScopedEventNamespace,
        involved,
        type: warning ? 'Warning' : 'Normal',
        reason,
        message,
        component: eventComponent,
        instance: this.target.identity,
      });
    } catch (e) {
      this.log.debug('could not record an event', { involved, reason, error: e });
    }
  }
}

function listed(names: readonly string[]): string {
  if (names.length <= maxListed) return names.join(', ');
  return `${names.slice(0, maxListed).join(', ')} and ${names.length - maxListed} more`;
}
