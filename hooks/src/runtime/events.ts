// Kubernetes Events on Nodes and on the Onload resource. Best effort: a failed event never stops a
// rollout (it is logged at debug level).
import type { KubePort } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';

export const eventReason = 'OnloadUpgrade';
export const eventComponent = 'onload-hooks';
export const clusterScopedEventNamespace = 'default';

export interface EventTarget {
  readonly namespace: string;
  readonly crName: string;
  readonly identity: string;
}

export class EventRecorder {
  private readonly port: KubePort;
  private readonly target: EventTarget;
  private readonly log: Logger;
  private crUid: string | undefined;

  constructor(port: KubePort, target: EventTarget, log: Logger) {
    this.port = port;
    this.target = target;
    this.log = log;
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

  async onload(message: string, warning = false, reason = eventReason): Promise<void> {
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
