// The firmware Job of one node: the sfc troubleshooting pod (privileged, host network and PID, the
// host's / read-only at /host, diagnostics.sfc.image or the host's tools) running the firmware
// script once: no retry (backoffLimit 0: a flash is never repeated behind the user's back),
// bounded by activeDeadlineSeconds. Pure.
import { randomBytes } from 'node:crypto';
import { V1Job } from '@kubernetes/client-node';
import { debugPod, labels, podOptions, type DebugSettings } from '../debug/index.ts';
import { nodeScopedName } from '../debug/pod.ts';
import { firmwareScript } from './script.ts';

export const firmwareComponent = 'firmware';
export const firmwareContainer = 'firmware';

export interface FirmwareJobOptions {
  readonly settings: DebugSettings;
  readonly node: string;
  readonly commands: readonly (readonly string[])[];
  /** The whole run; default the settings' report deadline. */
  readonly deadlineSeconds?: number;
  readonly suffix?: string;
}

export function firmwareJobName(node: string, suffix: string): string {
  return nodeScopedName('onload-firmware-', node, suffix);
}

export function firmwareJob(o: FirmwareJobOptions): V1Job {
  const suffix = o.suffix ?? randomBytes(3).toString('hex').slice(0, 5);
  const name = firmwareJobName(o.node, suffix);
  const options = podOptions(o.settings, o.node, 'sfc', 'report');
  const deadline = o.deadlineSeconds ?? o.settings.reportDeadlineSeconds;
  const pod = debugPod({ ...options, deadlineSeconds: deadline, suffix });
  const from = options.sfreportFrom === 'image' ? 'image' : 'host';
  const podLabels = { ...pod.metadata?.labels, [labels.component]: firmwareComponent };
  const spec = pod.spec;
  if (!spec) throw new Error('the troubleshooting pod has no spec');
  // The pod was built just now for this Job: its container is changed in place.
  for (const container of spec.containers) {
    container.name = firmwareContainer;
    container.command = ['/bin/sh', '-c', firmwareScript(o.commands, from)];
    delete container.env;
  }
  const description = o.commands.map((c) => c.join(' ')).join('; ');
  return Object.assign(new V1Job(), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: options.namespace,
      labels: podLabels,
      annotations: { 'onload.amd.com/firmware': description },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadline,
      template: {
        metadata: { labels: podLabels },
        spec,
      },
    },
  });
}
