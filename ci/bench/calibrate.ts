// Measures the test bed's own per-node times on one idle node, driving the same labels the rollout
// drives: pause → device plugin and control plane pods gone (stop); onload version label removed →
// KMM reports it unloaded; label back → KMM reports it loaded; unpause → device plugin and control
// plane Ready and amd.com/onload allocatable (start: what the rollout's last step waits for).
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  components,
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  onloadResource,
  pausedLabel,
} from '../../hooks/src/contract.ts';
import { percentile } from './timeline.ts';
import { Watched } from './watch.ts';

export interface CalibrationSample {
  readonly devicePluginStopSeconds: number;
  readonly kmmUnloadSeconds: number;
  readonly kmmLoadSeconds: number;
  readonly devicePluginStartSeconds: number;
}

export interface Calibration extends CalibrationSample {
  readonly node: string;
  /** The values above are medians of these. */
  readonly samples: readonly CalibrationSample[];
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const stepTimeoutMs = 120_000;
const serviceComponents: readonly string[] = [components.devicePlugin, components.controlPlane];

function services(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) =>
    serviceComponents.includes(p.metadata?.labels?.['app.kubernetes.io/component'] ?? ''),
  );
}

function ready(p: V1Pod): boolean {
  return (
    p.metadata?.deletionTimestamp === undefined &&
    (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
  );
}

export async function calibrate(options: {
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly node: string;
  readonly version: string;
  readonly samples: number;
  /** Whether KMM writes `.version.ready` (≥ 2.5); without it a load shows as `.ready` back. */
  readonly versionReadyLabel: boolean;
  readonly progress: (message: string) => void;
}): Promise<Calibration> {
  const { namespace: ns, node, version } = options;
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = await Watched.nodes(kc, { fieldSelector: `metadata.name=${node}` }).start();
  const pods = await Watched.pods(kc, { fieldSelector: `spec.nodeName=${node}` }).start();
  const labels = (): Record<string, string> => nodes.items()[0]?.metadata?.labels ?? {};
  const allocatable = (n: V1Node | undefined): number =>
    Number(n?.status?.allocatable?.[onloadResource] ?? 0);
  const patch = async (values: Record<string, string | null>): Promise<number> => {
    const at = Date.now();
    await core.patchNode({ name: node, body: { metadata: { labels: values } } }, mergePatch);
    return at;
  };
  const onloadLabel = kmmVersionLabel(ns, moduleNames.onload);
  const samples: CalibrationSample[] = [];
  try {
    for (let i = 0; i < options.samples; i++) {
      let at = await patch({ [pausedLabel(ns)]: 'true' });
      const stopped = await pods.until(
        `the device plugin and control plane pods to leave ${node}`,
        (items) => services(items).length === 0,
        stepTimeoutMs,
      );
      const devicePluginStopSeconds = (stopped - at) / 1000;
      at = await patch({ [onloadLabel]: null });
      const unloaded = await nodes.until(
        `KMM to unload onload on ${node}`,
        () => !(kmmReadyLabel(ns, moduleNames.onload) in labels()),
        stepTimeoutMs,
      );
      const kmmUnloadSeconds = (unloaded - at) / 1000;
      at = await patch({ [onloadLabel]: version });
      const loaded = await nodes.until(
        `KMM to load onload ${version} on ${node}`,
        () =>
          options.versionReadyLabel
            ? labels()[kmmVersionReadyLabel(ns, moduleNames.onload)] === version
            : kmmReadyLabel(ns, moduleNames.onload) in labels(),
        stepTimeoutMs,
      );
      const kmmLoadSeconds = (loaded - at) / 1000;
      at = await patch({ [pausedLabel(ns)]: null });
      const serving = await Promise.all([
        pods.until(
          `the device plugin and control plane on ${node} to be Ready`,
          (items) => services(items).filter(ready).length === serviceComponents.length,
          stepTimeoutMs,
        ),
        nodes.until(
          `${onloadResource} allocatable on ${node}`,
          (items) => allocatable(items[0]) > 0,
          stepTimeoutMs,
        ),
      ]);
      const devicePluginStartSeconds = (Math.max(...serving) - at) / 1000;
      const sample = {
        devicePluginStopSeconds,
        kmmUnloadSeconds,
        kmmLoadSeconds,
        devicePluginStartSeconds,
      };
      options.progress(
        `calibration ${i + 1}/${options.samples} on ${node}: device plugin stop ${devicePluginStopSeconds.toFixed(2)}s, onload unload ${kmmUnloadSeconds.toFixed(2)}s, load ${kmmLoadSeconds.toFixed(2)}s, device plugin start ${devicePluginStartSeconds.toFixed(2)}s`,
      );
      samples.push(sample);
    }
  } finally {
    await Promise.all([nodes.stop(), pods.stop()]);
  }
  const median = (key: keyof CalibrationSample): number =>
    percentile(
      samples.map((s) => s[key]),
      50,
    );
  return {
    node,
    devicePluginStopSeconds: median('devicePluginStopSeconds'),
    kmmUnloadSeconds: median('kmmUnloadSeconds'),
    kmmLoadSeconds: median('kmmLoadSeconds'),
    devicePluginStartSeconds: median('devicePluginStartSeconds'),
    samples,
  };
}
