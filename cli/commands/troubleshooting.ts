// What `debug` and `support-bundle` share: the release's troubleshooting settings, its Onload
// nodes, the report pods run on them, and their reports as bundle files.
import {
  ClientNodeDebugPods,
  debugPod,
  debugSettingsFromConfigMap,
  podOptions,
  runReports,
  settingsConfigMapName,
  SettingsError,
  type DebugPodPort,
  type DebugSettings,
  type NodeReport,
  type ReportKind,
} from '../debug/index.ts';
import { findOnload } from '../release.ts';
import { buildStatus } from '../status/report.ts';
import { paths } from '../support-bundle/layout.ts';
import type { BundleFile } from '../support-bundle/index.ts';
import type { FlagValues } from '../args.ts';
import { Failure, type Session } from './command.ts';

export interface Troubleshooting {
  readonly pods: DebugPodPort;
  readonly settings: DebugSettings;
  /** The Onload resource's name (the chart's <fullname>). */
  readonly fullname: string;
  /** The nodes the release selects or labelled, by name. */
  readonly onloadNodes: readonly string[];
  /** Every node of the cluster, by name. */
  readonly allNodes: readonly string[];
}

export async function troubleshooting(
  session: Session,
  flags: FlagValues,
): Promise<Troubleshooting> {
  const pods: DebugPodPort = session.debugPods ?? new ClientNodeDebugPods(session.kubeConfig);
  const onload = await findOnload(session, flags);
  const name = settingsConfigMapName(onload.name);
  const data = await pods.readConfigMap(session.namespace, name);
  if (data === undefined)
    throw new Failure(
      `ConfigMap ${session.namespace}/${name} not found: the release deploys no troubleshooting settings; helm upgrade it with diagnostics.enabled=true (the default)`,
    );
  let settings: DebugSettings;
  try {
    settings = debugSettingsFromConfigMap(session.namespace, data);
  } catch (error) {
    if (error instanceof SettingsError)
      throw new Failure(`ConfigMap ${session.namespace}/${name}: ${error.message}`);
    throw error;
  }
  const nodes = await session.port.listNodes('');
  return {
    pods,
    settings,
    fullname: onload.name,
    onloadNodes: buildStatus(session.namespace, onload, nodes).nodes.map((n) => n.node.name),
    allNodes: nodes.map((n) => n.name),
  };
}

export function runKindReports(
  t: Troubleshooting,
  kind: ReportKind,
  nodes: readonly string[],
  progress: (line: string) => void,
): Promise<NodeReport[]> {
  return runReports(t.pods, {
    nodes,
    pod: (node) => debugPod(podOptions(t.settings, node, kind, 'report')),
    progress: (line) => {
      progress(`${kind} report: ${line}`);
    },
  });
}

/** A report as a bundle file: what the pod printed, after a line saying how it ended. Pure. */
export function reportFile(kind: ReportKind, report: NodeReport): BundleFile {
  const problems = report.problems.length > 0 ? `; ${report.problems.join('; ')}` : '';
  const exit = report.exitCode !== undefined ? ` (exit ${report.exitCode})` : '';
  return {
    path: paths.nodeDiagnostics(report.node, `${kind}-report.txt`),
    content: `# ${kind} report of node ${report.node}, pod ${report.pod}: ${report.outcome}${exit}${problems}\n${report.text}`,
  };
}
