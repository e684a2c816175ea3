// A MemoryKube cluster with KMM, DaemonSets and workloads, and a PhaseContext to run a hook
// phase against it (phase tests).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { specKeys, type OnloadSpec } from '../../generated/onload-types.ts';
import type { HookConfig } from '../config/env.ts';
import type { ModuleLoaders } from '../config/module-loaders.ts';
import { releaseContext } from '../config/release.ts';
import { parseSpec } from '../config/spec.ts';
import { createLogger, memorySink } from '../log/logger.ts';
import { fromMap } from '../kube/selectors.ts';
import { RunControl, systemClock, type PhaseContext } from '../runtime/run.ts';
import { daemonSets, kmm } from './controllers.ts';
import { consumer, loader, module, node, ns, release, services } from './fixtures.ts';
import { MemoryKube } from './memory-kube.ts';

export const selectorLabel = 'feature.node.kubernetes.io/pci-1924.present';

export interface ClusterOptions {
  readonly nodes: readonly string[];
  /** Version the nodes run now (undefined: fresh nodes without labels or driver). */
  readonly from?: string;
  /** Version of the Modules and DaemonSet templates (what Helm applied). */
  readonly moduleVersion?: string;
  readonly consumersPerNode?: number;
  readonly versionReady?: boolean;
  readonly sfc?: boolean;
  readonly broken?: readonly string[];
}

export function cluster(o: ClusterOptions): MemoryKube {
  const kube = new MemoryKube();
  const sfc = o.sfc ?? true;
  const moduleVersion = o.moduleVersion;
  if (moduleVersion !== undefined) {
    kube.putModule(module('onload', moduleVersion));
    if (sfc) kube.putModule(module('sfc', moduleVersion));
    kube.mics.set('onload', { images: [{ image: `img:${moduleVersion}`, state: 'Exists' }] });
    kube.mics.set('sfc', { images: [{ image: `img:${moduleVersion}`, state: 'Exists' }] });
  }
  for (const name of o.nodes) {
    kube.putNode(
      node(name, {
        ...(o.from !== undefined
          ? {
              version: o.from,
              sfc: sfc ? o.from : null,
              loaded: o.from,
              sfcLoaded: sfc ? o.from : null,
              allocatable: 10,
            }
          : {}),
        oldKmm: o.versionReady === false,
        labels: { [selectorLabel]: 'true' },
      }),
    );
    if (o.from !== undefined) for (const p of services(name, o.from)) kube.putPod(p);
    for (let i = 0; i < (o.consumersPerNode ?? 0); i++)
      kube.putPod(consumer(`app-${name}-${i}`, name));
  }
  kube.putOnload({ name: 'onload', uid: 'cr-uid', generation: 1, annotations: {} });
  kube.addController(
    kmm({ namespace: ns, versionReady: o.versionReady ?? true, broken: new Set(o.broken ?? []) }),
  );
  kube.addController(
    daemonSets({
      namespace: ns,
      release,
      selector: fromMap({ [selectorLabel]: 'true' }),
      userland: () => kube.modules.get('onload')?.version ?? o.from ?? '',
    }),
  );
  return kube;
}

export interface SpecOptions {
  readonly version: string;
  readonly sfc?: boolean;
  readonly upgrade?: Partial<Record<keyof OnloadSpec['upgrade'], unknown>>;
  readonly timeouts?: Partial<OnloadSpec['upgrade']['timeouts']>;
}

export function spec(o: SpecOptions): OnloadSpec {
  const upgrade = {
    maxParallelUpgrades: 1,
    maxUnavailable: '25%',
    canary: { nodeNames: [], nodeSelector: {}, pauseAfter: false },
    timeouts: {
      devicePluginStopSeconds: 60,
      evictionSeconds: 60,
      driverReloadSeconds: 60,
      validationSeconds: 60,
      installSeconds: 60,
      ...o.timeouts,
    },
    eviction: { podSelector: '', force: false },
    failurePolicy: 'Stop',
    ...o.upgrade,
  };
  return parseSpec(
    JSON.stringify(
      withChartDefaults({
        onload: {
          version: o.version,
          userImage: 'user:x',
          kernelMappings: [{ regexp: '.*', kernelModuleImage: 'img:${KERNEL_FULL_VERSION}' }],
          controlPlane: { parameters: ['-K'] },
        },
        devicePlugin: {},
        selector: { [selectorLabel]: 'true' },
        serviceAccountName: '',
        sfc: { enabled: o.sfc ?? true },
        machineConfig: {},
        sfptpd: {},
        upgrade,
      }),
    ),
    'test spec',
  );
}

/** The chart's defaults (values.yaml) under the given spec, as Helm merges them. */
function withChartDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  const values = parseYaml(
    readFileSync(new URL('../../../charts/onload/values.yaml', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const defaults = Object.fromEntries(specKeys.map((k) => [k, values[k]]));
  return merge(defaults, spec) as Record<string, unknown>;
}

function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const keys = new Set([...Object.keys(base), ...Object.keys(over)]);
  return Object.fromEntries([...keys].map((k) => [k, merge(base[k], over[k])]));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Modules' loaders the chart renders for this spec (the hook Job's ONLOAD_MODULE_LOADERS). */
export function renderedLoaders(s: OnloadSpec): ModuleLoaders {
  const version = s.onload.version;
  return {
    onload: loader('onload', version),
    ...(s.sfc.enabled ? { sfc: loader('sfc', version) } : {}),
  };
}

export function context(
  kube: MemoryKube,
  s: OnloadSpec,
  deadlineSeconds = 3600,
  moduleLoaders: ModuleLoaders = renderedLoaders(s),
): PhaseContext & { lines: string[] } {
  const sink = memorySink();
  const config: HookConfig = {
    release,
    namespace: ns,
    crName: 'onload',
    spec: s,
    moduleLoaders,
    ...releaseContext(s, { namespace: ns, release }),
    chartVersion: '0.1.0',
    deadlineSeconds,
    identity: 'hook-pod',
    logLevel: 'info',
  };
  return {
    port: kube,
    config,
    log: createLogger({ level: 'info', sink }),
    clock: systemClock,
    run: new RunControl(Date.now(), deadlineSeconds),
    lines: sink.lines,
  };
}
