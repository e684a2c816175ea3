// The narrow Kubernetes interface the firmware Jobs run through, and its one implementation over
// @kubernetes/client-node (the hooks' client configuration, retried reads).
import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { pooledClientFactory } from '../../hooks/src/kube/connections.ts';
import { KubeError } from '../../hooks/src/kube/errors.ts';
import { podView, type PodView } from '../debug/port.ts';
import { interactiveCall } from '../retry.ts';

export interface JobView {
  /** From the Job's Complete / Failed condition; undefined while it runs. */
  readonly ended?: 'succeeded' | 'failed';
  readonly reason?: string;
  readonly message?: string;
  /** The Job's pod, once there is one. */
  readonly pod?: PodView & { readonly name: string };
}

export interface FirmwareJobPort {
  createJob(job: V1Job, signal: AbortSignal): Promise<void>;
  /** Undefined when the Job does not exist. */
  readJob(namespace: string, name: string, signal: AbortSignal): Promise<JobView | undefined>;
  readLog(namespace: string, pod: string, container: string, signal: AbortSignal): Promise<string>;
  /** Deletes the Job and its pod; a Job already gone is fine. */
  deleteJob(namespace: string, name: string): Promise<void>;
}

export class ClientNodeFirmwareJobs implements FirmwareJobPort {
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    const client = pooledClientFactory(kc);
    this.batch = client(BatchV1Api);
    this.core = client(CoreV1Api);
  }

  async createJob(job: V1Job, signal: AbortSignal): Promise<void> {
    const namespace = job.metadata?.namespace ?? 'default';
    await interactiveCall(
      `create Job ${namespace}/${job.metadata?.name ?? ''}`,
      signal,
      false,
      () => this.batch.createNamespacedJob({ namespace, body: job }),
    );
  }

  async readJob(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<JobView | undefined> {
    let job: V1Job;
    try {
      job = await interactiveCall(`read Job ${namespace}/${name}`, signal, true, () =>
        this.batch.readNamespacedJob({ name, namespace }),
      );
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
    const pods = await interactiveCall(
      `list the pods of Job ${namespace}/${name}`,
      signal,
      true,
      () => this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` }),
    );
    const pod = pods.items[0];
    const conditions = job.status?.conditions ?? [];
    const ended = conditions.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    return {
      ...(ended ? { ended: ended.type === 'Complete' ? 'succeeded' : 'failed' } : {}),
      ...(ended?.reason ? { reason: ended.reason } : {}),
      ...(ended?.message ? { message: ended.message } : {}),
      ...(pod?.metadata?.name ? { pod: { ...podView(pod), name: pod.metadata.name } } : {}),
    };
  }

  readLog(namespace: string, pod: string, container: string, signal: AbortSignal): Promise<string> {
    return interactiveCall(`read the log of pod ${namespace}/${pod}`, signal, true, () =>
      this.core.readNamespacedPodLog({ name: pod, namespace, container }),
    );
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await interactiveCall(
        `delete Job ${namespace}/${name}`,
        new AbortController().signal,
        true,
        () => this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
      );
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return;
      throw e;
    }
  }
}
