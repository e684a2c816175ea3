// What the bundle collects, as steps: each asks the source for one thing, turns the answer into
// files, and may add further steps (a pod's logs once the pods are listed). Steps read through the
// ClusterSource only; the runner in bundle.ts bounds their time and records their failures.
import { stringify } from 'yaml';
import { format, fromMap } from '../../hooks/src/kube/selectors.ts';
import { classify, describeAccess, type Access, type BundleFailure } from './bundle-index.ts';
import { helmRevision, helmSecretLabels } from './helm-release.ts';
import { checkedPath, paths } from './layout.ts';
import { redactPem } from './redact.ts';
import {
  kinds,
  resourceName,
  type ClusterSource,
  type KubeObject,
  type ResourceKind,
} from './source.ts';

export interface BundleFile {
  /** Relative to the bundle's root folder, `/`-separated. */
  readonly path: string;
  readonly content: string | Buffer;
  readonly note?: string;
}

export interface CollectorContext {
  readonly source: ClusterSource;
  readonly namespace: string;
  /** The nodes the bundle covers (those the Onload CRs select, or `nodeSelector`'s). */
  readonly nodes: readonly string[];
  readonly signal: AbortSignal;
}

/** Extra content gathered during the run, e.g. per-node diagnostics (see `paths.nodeDiagnostics`). */
export interface BundleCollector {
  readonly name: string;
  collect(context: CollectorContext): Promise<readonly BundleFile[]>;
}

export interface StepResult {
  readonly files?: readonly BundleFile[];
  readonly failures?: readonly BundleFailure[];
  readonly next?: readonly Step[];
  /** The API server's gitVersion, from `get /version`. */
  readonly serverVersion?: string;
}

export interface Step {
  readonly item: string;
  readonly access?: Access;
  run(signal: AbortSignal): Promise<StepResult>;
  /** Steps to run when this one fails (e.g. all nodes when the Onload CRs cannot be read). */
  onFailure?(): readonly Step[];
}

export interface CollectSettings {
  readonly source: ClusterSource;
  readonly namespace: string;
  readonly release?: string;
  readonly chart: string;
  readonly nodeSelector?: string;
  readonly logLimitBytes: number;
  readonly kmmOperatorNamespaces: readonly string[];
  readonly kmmOperatorSelector: string;
  readonly collectors: readonly BundleCollector[];
}

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly creationTimestamp?: string;
}

export function nameOf(o: KubeObject): string {
  return ((o.metadata ?? {}) as Meta).name ?? '';
}

function byName(a: KubeObject, b: KubeObject): number {
  const key = (o: KubeObject) => `${((o.metadata ?? {}) as Meta).namespace ?? ''}/${nameOf(o)}`;
  const x = key(a);
  const y = key(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function toYaml(value: unknown): string {
  return stringify(redactPem(value), { lineWidth: 0, aliasDuplicateObjects: false });
}

function listAccess(kind: ResourceKind, namespace?: string): Access {
  return {
    verb: 'list',
    resource: resourceName(kind),
    ...(kind.namespaced && namespace !== undefined ? { namespace } : {}),
  };
}

function listStep(
  s: CollectSettings,
  kind: ResourceKind,
  namespace: string | undefined,
  files: (items: KubeObject[]) => StepResult,
  query: { labelSelector?: string; fieldSelector?: string } = {},
): Step {
  const access = listAccess(kind, namespace);
  const selectors = [query.labelSelector, query.fieldSelector].filter(Boolean).join(', ');
  return {
    item: `${describeAccess(access)}${selectors ? ` (${selectors})` : ''}`,
    access,
    run: async (signal) =>
      files(
        (
          await s.source.list(
            kind,
            { ...(namespace !== undefined ? { namespace } : {}), ...query },
            signal,
          )
        ).sort(byName),
      ),
  };
}

/** One YAML file per object. */
function eachObject(path: (name: string) => string) {
  return (items: KubeObject[]): StepResult => ({
    files: items.map((o) => ({ path: path(nameOf(o)), content: toYaml(o) })),
  });
}

function eventTime(e: KubeObject): string {
  const t = e as {
    lastTimestamp?: string;
    eventTime?: string;
    metadata?: Meta;
  };
  return t.lastTimestamp ?? t.eventTime ?? t.metadata?.creationTimestamp ?? '';
}

export function sortEvents(events: readonly KubeObject[]): KubeObject[] {
  return [...events].sort((a, b) => {
    const x = eventTime(a);
    const y = eventTime(b);
    return x < y ? -1 : x > y ? 1 : byName(a, b);
  });
}

interface ContainerSpec {
  readonly name: string;
}
interface ContainerStatus {
  readonly name: string;
  readonly restartCount?: number;
}
interface PodShape {
  readonly spec?: {
    readonly initContainers?: readonly ContainerSpec[];
    readonly containers?: readonly ContainerSpec[];
    readonly ephemeralContainers?: readonly ContainerSpec[];
  };
  readonly status?: {
    readonly initContainerStatuses?: readonly ContainerStatus[];
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly ephemeralContainerStatuses?: readonly ContainerStatus[];
  };
}

/** Every container of a pod (init containers first) and whether it has a previous instance. */
export function podContainers(pod: KubeObject): { name: string; restarted: boolean }[] {
  const p = pod as PodShape;
  const statuses = [
    ...(p.status?.initContainerStatuses ?? []),
    ...(p.status?.containerStatuses ?? []),
    ...(p.status?.ephemeralContainerStatuses ?? []),
  ];
  return [
    ...(p.spec?.initContainers ?? []),
    ...(p.spec?.containers ?? []),
    ...(p.spec?.ephemeralContainers ?? []),
  ].map((c) => ({
    name: c.name,
    restarted: (statuses.find((x) => x.name === c.name)?.restartCount ?? 0) > 0,
  }));
}

function logSteps(
  s: CollectSettings,
  namespace: string,
  pod: KubeObject,
  path: (pod: string, container: string, previous: boolean) => string,
): Step[] {
  const name = nameOf(pod);
  return podContainers(pod).flatMap(({ name: container, restarted }) =>
    [false, ...(restarted ? [true] : [])].map((previous): Step => ({
      item: `log of ${namespace}/${name} container ${container}${previous ? ' (previous)' : ''}`,
      access: { verb: 'get', resource: 'pods/log', namespace },
      run: async (signal) => {
        const text = await s.source.podLog(
          { namespace, pod: name, container, previous, limitBytes: s.logLimitBytes },
          signal,
        );
        const truncated = Buffer.byteLength(text) >= s.logLimitBytes;
        return {
          files: [
            {
              path: path(name, container, previous),
              content: text,
              ...(truncated ? { note: `last ${s.logLimitBytes} bytes only` } : {}),
            },
          ],
        };
      },
    })),
  );
}

function podsStep(s: CollectSettings): Step {
  return listStep(s, kinds.pods, s.namespace, (pods) => ({
    files: pods.map((p) => ({ path: paths.pod(nameOf(p)), content: toYaml(p) })),
    next: pods.flatMap((p) => logSteps(s, s.namespace, p, paths.podLog)),
  }));
}

function helmStep(s: CollectSettings): Step {
  const labelSelector = s.release ? `${helmSecretLabels},name=${s.release}` : helmSecretLabels;
  return listStep(
    s,
    kinds.secrets,
    s.namespace,
    (secrets) => {
      const files: BundleFile[] = [];
      const failures: BundleFailure[] = [];
      for (const secret of secrets) {
        const item = `Helm release record ${s.namespace}/${nameOf(secret)}`;
        try {
          const revision = helmRevision(secret);
          if (!s.release && revision.chart !== s.chart) continue;
          files.push({
            path: paths.helmRevision(revision.release, revision.revision),
            content: toYaml(revision),
          });
        } catch (e) {
          failures.push(classify(item, e, undefined));
        }
      }
      if (files.length === 0 && failures.length === 0)
        failures.push({
          item: `Helm release ${s.release ?? `of chart ${s.chart}`} in ${s.namespace}`,
          reason: 'not-found',
          detail: `no Helm release record (Secret labelled ${labelSelector}) found`,
        });
      return { files, failures };
    },
    { labelSelector },
  );
}

/** The node label selectors the Onload CRs ask for (their spec.selector maps). */
export function onloadNodeSelectors(onloads: readonly KubeObject[]): string[] {
  return [
    ...new Set(
      onloads.map((o) =>
        format(fromMap(((o.spec ?? {}) as { selector?: Record<string, string> }).selector ?? {})),
      ),
    ),
  ].sort();
}

function nodesStep(s: CollectSettings, selectors: readonly string[], why: string): Step {
  const access = listAccess(kinds.nodes);
  return {
    item: `${describeAccess(access)} (${why}: ${selectors.map((x) => x || 'all').join(' | ')})`,
    access,
    run: async (signal) => {
      const found = new Map<string, KubeObject>();
      for (const labelSelector of selectors)
        for (const node of await s.source.list(
          kinds.nodes,
          labelSelector ? { labelSelector } : {},
          signal,
        ))
          found.set(nameOf(node), node);
      const nodes = [...found.values()].sort(byName);
      const names = nodes.map(nameOf);
      return {
        files: nodes.map((n) => ({ path: paths.node(nameOf(n)), content: toYaml(n) })),
        next: [nodeEventsStep(s, names), ...s.collectors.map((c) => collectorStep(s, c, names))],
      };
    },
  };
}

function nodeEventsStep(s: CollectSettings, nodes: readonly string[]): Step {
  const wanted = new Set(nodes);
  return listStep(
    s,
    kinds.events,
    undefined,
    (events) => {
      const per = new Map<string, KubeObject[]>();
      for (const e of events) {
        const node = ((e.involvedObject ?? {}) as { name?: string }).name ?? '';
        if (wanted.has(node)) per.set(node, [...(per.get(node) ?? []), e]);
      }
      return {
        files: [...per.keys()].sort().map((node) => ({
          path: paths.nodeEvents(node),
          content: toYaml(sortEvents(per.get(node) ?? [])),
        })),
      };
    },
    { fieldSelector: 'involvedObject.kind=Node' },
  );
}

function collectorStep(s: CollectSettings, c: BundleCollector, nodes: readonly string[]): Step {
  return {
    item: `collector ${c.name}`,
    run: async (signal) => {
      const files = await c.collect({ source: s.source, namespace: s.namespace, nodes, signal });
      return { files: files.map((f) => ({ ...f, path: checkedPath(f.path) })) };
    },
  };
}

function onloadStep(s: CollectSettings): Step {
  const step = listStep(s, kinds.onloads, s.namespace, (onloads) => ({
    ...eachObject(paths.onload)(onloads),
    next: s.nodeSelector
      ? []
      : [
          onloads.length > 0
            ? nodesStep(s, onloadNodeSelectors(onloads), 'selected by the Onload CRs')
            : nodesStep(s, [''], 'no Onload CR'),
        ],
  }));
  return {
    ...step,
    onFailure: () => (s.nodeSelector ? [] : [nodesStep(s, [''], 'Onload CRs unreadable')]),
  };
}

function kmmOperatorStep(s: CollectSettings): Step {
  const namespaces = s.kmmOperatorNamespaces;
  return {
    item: `KMM operator pods (${s.kmmOperatorSelector}) in ${namespaces.join(', ')}`,
    run: async (signal) => {
      const failures: BundleFailure[] = [];
      const files: BundleFile[] = [];
      const next: Step[] = [];
      for (const namespace of namespaces) {
        const query = { namespace, labelSelector: s.kmmOperatorSelector };
        let pods: KubeObject[];
        try {
          pods = (await s.source.list(kinds.pods, query, signal)).sort(byName);
        } catch (e) {
          if (signal.aborted) throw e;
          failures.push(
            classify(
              `list pods in ${namespace} (KMM operator)`,
              e,
              listAccess(kinds.pods, namespace),
            ),
          );
          continue;
        }
        for (const pod of pods) {
          files.push({ path: paths.kmmOperatorPod(namespace, nameOf(pod)), content: toYaml(pod) });
          next.push(
            ...logSteps(s, namespace, pod, (p, c, previous) =>
              paths.kmmOperatorLog(namespace, p, c, previous),
            ),
          );
        }
      }
      if (files.length === 0 && failures.length < namespaces.length)
        failures.push({
          item: `KMM operator pods (${s.kmmOperatorSelector})`,
          reason: 'not-found',
          detail: `no pod labelled ${s.kmmOperatorSelector} in ${namespaces.join(', ')}`,
        });
      return { files, failures, next };
    },
  };
}

/** The steps a bundle starts with, in the order their files are written. */
export function initialSteps(s: CollectSettings): Step[] {
  const ns = s.namespace;
  return [
    {
      item: 'get /version',
      run: async (signal) => {
        const version = await s.source.serverVersion(signal);
        const { gitVersion } = version as { gitVersion?: unknown };
        return {
          files: [{ path: paths.version, content: toYaml(version) }],
          ...(typeof gitVersion === 'string' ? { serverVersion: gitVersion } : {}),
        };
      },
    },
    {
      item: `get namespace ${ns}`,
      access: { verb: 'get', resource: 'namespaces' },
      run: async (signal) => ({
        files: [
          {
            path: paths.namespace,
            content: toYaml(await s.source.get(kinds.namespaces, ns, undefined, signal)),
          },
        ],
      }),
    },
    onloadStep(s),
    ...(s.nodeSelector ? [nodesStep(s, [s.nodeSelector], 'nodeSelector')] : []),
    listStep(s, kinds.modules, ns, eachObject(paths.module)),
    listStep(s, kinds.nodeModulesConfigs, undefined, eachObject(paths.nodeModulesConfig)),
    listStep(s, kinds.moduleImagesConfigs, ns, eachObject(paths.moduleImagesConfig)),
    listStep(s, kinds.daemonSets, ns, eachObject(paths.daemonSet)),
    listStep(s, kinds.deployments, ns, eachObject(paths.deployment)),
    listStep(s, kinds.jobs, ns, eachObject(paths.job)),
    listStep(s, kinds.events, ns, (events) => ({
      files: [{ path: paths.events, content: toYaml(sortEvents(events)) }],
    })),
    listStep(s, kinds.podDisruptionBudgets, undefined, (pdbs) => ({
      files: [{ path: paths.disruptionBudgets, content: toYaml(pdbs) }],
    })),
    helmStep(s),
    podsStep(s),
    kmmOperatorStep(s),
  ];
}
