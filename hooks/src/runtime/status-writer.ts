// Writes the Onload resource's status: only when it changed, at most every `minIntervalMs` unless
// forced (a node failing, the end of a run). A change held back is due `minIntervalMs` after the
// last write (`dueAt`: the caller looks again then, so it is not held back longer).
import type { OnloadStatus } from '../../generated/onload-types.ts';
import type { KubePort } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';
import { sameStatus } from '../planner/status.ts';

export class StatusWriter {
  private last: OnloadStatus | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  private missingReported = false;
  private heldBack = false;
  private readonly port: KubePort;
  private readonly namespace: string;
  private readonly name: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly minIntervalMs: number;

  constructor(o: {
    port: KubePort;
    namespace: string;
    name: string;
    log: Logger;
    now: () => number;
    previous?: OnloadStatus;
    minIntervalMs?: number;
  }) {
    this.port = o.port;
    this.namespace = o.namespace;
    this.name = o.name;
    this.log = o.log;
    this.now = o.now;
    this.last = o.previous;
    this.minIntervalMs = o.minIntervalMs ?? 15_000;
  }

  /** The status last written (or found), to keep condition transition times. */
  get current(): OnloadStatus | undefined {
    return this.last;
  }

  /** When a change held back by the interval falls due; undefined when none is held back. */
  get dueAt(): number | undefined {
    return this.heldBack ? this.lastAt + this.minIntervalMs : undefined;
  }

  async write(status: OnloadStatus, force: boolean): Promise<void> {
    this.heldBack = false;
    if (sameStatus(this.last, status)) return;
    if (!force && this.now() - this.lastAt < this.minIntervalMs) {
      this.heldBack = true;
      return;
    }
    try {
      const ok = await this.port.patchOnloadStatus(this.namespace, this.name, status);
      if (!ok && !this.missingReported) {
        this.log.warn(
          `Onload ${this.namespace}/${this.name} does not exist; its status is not recorded`,
        );
        this.missingReported = true;
      }
      this.last = status;
      this.lastAt = this.now();
    } catch (e) {
      this.log.warn(`could not update the status of Onload ${this.namespace}/${this.name}`, {
        error: e,
      });
    }
  }
}
