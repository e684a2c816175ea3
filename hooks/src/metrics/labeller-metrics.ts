// The labeller's metrics: per selected node, the version of each module KMM must run there (our
// version label) and the one it reports loaded, the rollout state, paused/failed/skipped, and the
// rollout's progress over the selected nodes, all computed from the NodeFacts and Modules the
// labeller already watches (no API call of its own).
import { Gauge, Registry } from 'prom-client';
import { moduleNames, nodeStates, type ModuleKey, type NodeState } from '../contract.ts';
import type { ModuleView } from '../kube/port.ts';
import { isInProgressState, type NodeFacts } from '../model/node-facts.ts';

export interface LabellerMetricsInput {
  /** The nodes matching spec.selector. */
  readonly selected: readonly NodeFacts[];
  readonly modules: { readonly onload?: ModuleView; readonly sfc?: ModuleView };
  readonly sfcEnabled: boolean;
}

/** The labeller's families. */
export const labellerFamilies = {
  target: 'onload_module_target_version_info',
  desired: 'onload_node_desired_version_info',
  loadedVersion: 'onload_node_loaded_version_info',
  loaded: 'onload_node_module_loaded',
  skew: 'onload_node_version_skew',
  state: 'onload_node_upgrade_state',
  inProgress: 'onload_node_upgrade_in_progress',
  paused: 'onload_node_paused',
  failed: 'onload_node_upgrade_failed',
  failure: 'onload_node_upgrade_failure_info',
  skip: 'onload_node_upgrade_skip',
  since: 'onload_node_upgrade_state_since_timestamp_seconds',
  nodes: 'onload_rollout_nodes',
  selected: 'onload_rollout_selected_nodes',
  upToDate: 'onload_rollout_up_to_date_nodes',
  progress: 'onload_rollout_progress_ratio',
  updated: 'onload_labeller_last_update_timestamp_seconds',
} as const;

/** `state` of onload_rollout_nodes for a node without our state label. */
export const noState = 'none';

/** Failure reasons are ours (CamelCase words); anything else a person wrote is `Other`. */
function reasonLabel(reason: string | undefined): string {
  return reason && /^[A-Za-z]{1,40}$/.test(reason) ? reason : 'Other';
}

function modulesOf(input: LabellerMetricsInput): ModuleKey[] {
  return input.sfcEnabled ? ['onload', 'sfc'] : ['onload'];
}

/** KMM must run the Module's version on the node, and reports it (or cannot tell, KMM < 2.5) loaded. */
export function moduleUpToDate(
  facts: NodeFacts,
  module: ModuleKey,
  target: string | undefined,
): boolean {
  const m = facts.modules[module];
  return (
    target !== undefined &&
    m.label === target &&
    m.ready &&
    (m.versionReady === undefined || m.versionReady === target)
  );
}

/** The node's version label differs from the Module's, or KMM reports another version loaded. */
export function versionSkew(
  facts: NodeFacts,
  module: ModuleKey,
  target: string | undefined,
): boolean {
  const m = facts.modules[module];
  if (target === undefined) return false;
  return m.label !== target || (m.versionReady !== undefined && m.versionReady !== m.label);
}

type G<L extends string> = Gauge<L>;

export class LabellerMetrics {
  readonly registry = new Registry();
  private readonly g: {
    readonly [K in keyof typeof labellerFamilies]: G<string>;
  };

  constructor() {
    const registers = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []): G<string> =>
      new Gauge({ name, help, labelNames, registers });
    const f = labellerFamilies;
    this.g = {
      target: gauge(f.target, "The version the release wants (the KMM Module's version), 1.", [
        'module',
        'version',
      ]),
      desired: gauge(
        f.desired,
        "The version KMM must run on the node (the node's KMM version label), 1.",
        ['node', 'module', 'version'],
      ),
      loadedVersion: gauge(
        f.loadedVersion,
        'The version KMM reports loaded on the node (KMM >= 2.5 .version.ready label), 1.',
        ['node', 'module', 'version'],
      ),
      loaded: gauge(
        f.loaded,
        '1 while KMM reports the module loaded on the node (its .ready label), else 0.',
        ['node', 'module'],
      ),
      skew: gauge(
        f.skew,
        "1 when the node's version label is not the Module's version, or KMM reports another version loaded.",
        ['node', 'module'],
      ),
      state: gauge(
        f.state,
        "1 for the node's rollout state (its upgrade-state label), 0 for the others.",
        ['node', 'state'],
      ),
      inProgress: gauge(
        f.inProgress,
        '1 while the node is between stopping-device-plugin and validating.',
        ['node'],
      ),
      paused: gauge(
        f.paused,
        '1 while the rollout keeps the device plugin and control plane off the node (paused label).',
        ['node'],
      ),
      failed: gauge(f.failed, '1 when the node is upgrade-failed.', ['node']),
      failure: gauge(f.failure, 'Why the node failed (its upgrade-reason annotation), 1.', [
        'node',
        'reason',
      ]),
      skip: gauge(f.skip, '1 when the node is labelled onload.amd.com/upgrade-skip=true.', [
        'node',
      ]),
      since: gauge(f.since, 'When the node entered its rollout state (Unix seconds).', ['node']),
      nodes: gauge(f.nodes, `Selected nodes per rollout state ("${noState}": no state label).`, [
        'state',
      ]),
      selected: gauge(f.selected, 'Nodes matching spec.selector.'),
      upToDate: gauge(
        f.upToDate,
        "Selected nodes labelled for the Modules' versions with them loaded.",
        [],
      ),
      progress: gauge(f.progress, 'Up-to-date nodes over selected nodes.'),
      updated: gauge(f.updated, 'When the labeller last computed these metrics (Unix seconds).'),
    };
  }

  update(input: LabellerMetricsInput, now: number = Date.now()): void {
    for (const gauge of Object.values(this.g)) gauge.reset();
    const targets = { onload: input.modules.onload?.version, sfc: input.modules.sfc?.version };
    for (const module of modulesOf(input)) {
      const version = targets[module];
      if (version !== undefined) this.g.target.set({ module: moduleNames[module], version }, 1);
    }
    const counts = new Map<string, number>([...nodeStates, noState].map((s) => [s, 0]));
    let upToDate = 0;
    for (const facts of input.selected) {
      this.showNode(facts, input, targets);
      const state = facts.state ?? noState;
      counts.set(state, (counts.get(state) ?? 0) + 1);
      if (modulesOf(input).every((m) => moduleUpToDate(facts, m, targets[m]))) upToDate += 1;
    }
    for (const [state, n] of counts) this.g.nodes.set({ state }, n);
    this.g.selected.set(input.selected.length);
    this.g.upToDate.set(upToDate);
    if (input.selected.length > 0) this.g.progress.set(upToDate / input.selected.length);
    else this.g.progress.remove({});
    this.g.updated.set(now / 1000);
  }

  private showNode(
    facts: NodeFacts,
    input: LabellerMetricsInput,
    targets: Readonly<Record<ModuleKey, string | undefined>>,
  ): void {
    const node = facts.name;
    for (const module of modulesOf(input)) {
      const m = facts.modules[module];
      const labels = { node, module: moduleNames[module] };
      if (m.label !== undefined) this.g.desired.set({ ...labels, version: m.label }, 1);
      if (m.versionReady !== undefined)
        this.g.loadedVersion.set({ ...labels, version: m.versionReady }, 1);
      this.g.loaded.set(labels, m.ready ? 1 : 0);
      this.g.skew.set(labels, versionSkew(facts, module, targets[module]) ? 1 : 0);
    }
    for (const state of nodeStates)
      this.g.state.set({ node, state }, facts.state === state ? 1 : 0);
    this.g.inProgress.set({ node }, isInProgressState(facts.state) ? 1 : 0);
    this.g.paused.set({ node }, facts.paused ? 1 : 0);
    const failed: NodeState = 'upgrade-failed';
    this.g.failed.set({ node }, facts.state === failed ? 1 : 0);
    if (facts.state === failed) this.g.failure.set({ node, reason: reasonLabel(facts.reason) }, 1);
    this.g.skip.set({ node }, facts.skip ? 1 : 0);
    if (facts.since !== undefined) this.g.since.set({ node }, facts.since / 1000);
  }
}
