// Carries out planner actions through the port, feeds results back into the world (patched nodes,
// eviction outcomes) and records each node transition in the log (and, where a user reads them,
// as Events).
import { canaryDoneAnnotation, pauseAnnotation } from '../contract.ts';
import type { KubePort } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';
import { isInProgressState } from '../model/node-facts.ts';
import type { Action, EvictionRecord, Transition } from '../planner/types.ts';
import type { EventRecorder } from './events.ts';
import { runGrouped } from './grouped.ts';
import { NodeWriter } from './node-writer.ts';
import type { PhaseContext } from './run.ts';
import type { RolloutWorld } from './world.ts';
import type { Store } from './store.ts';
import type { NodeView } from '../kube/port.ts';

export interface ExecutorDeps {
  readonly port: KubePort;
  readonly nodes: Store<NodeView>;
  readonly evictions: Map<string, EvictionRecord>;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly now: () => number;
  readonly namespace: string;
  readonly crName: string;
  /** Nodes acted on at once (default 8). */
  readonly parallel?: number;
}

const defaultParallel = 8;

type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;

function actionGroup(action: Action): string {
  return action.kind === 'pause-rollout' ? '' : action.node;
}

export interface ExecutionResult {
  /** Node patches refused because the node changed meanwhile (re-read; plan again). */
  readonly conflicts: number;
  readonly transitions: readonly Transition[];
}

export class Executor {
  private readonly d: ExecutorDeps;
  private readonly writer: NodeWriter;

  constructor(deps: ExecutorDeps) {
    this.d = deps;
    this.writer = new NodeWriter(deps.port, deps.namespace);
  }

  /** The executor of a phase: acts on the world's nodes, records the world's evictions. */
  static forPhase(ctx: PhaseContext, world: RolloutWorld, events: EventRecorder): Executor {
    const { port, config, log, clock } = ctx;
    return new Executor({
      port,
      nodes: world.nodes,
      evictions: world.evictions,
      events,
      log,
      now: () => clock.now(),
      namespace: config.namespace,
      crName: config.crName,
    });
  }

  async run(actions: readonly Action[]): Promise<ExecutionResult> {
    const outcome = { conflicts: 0, transitions: [] as Transition[] };
    // Different nodes' actions are independent: run a few nodes at once, each node's in order.
    await runGrouped(actions, actionGroup, this.d.parallel ?? defaultParallel, async (action) => {
      switch (action.kind) {
        case 'patch-node':
          await this.writeNode(action, outcome);
          break;
        case 'evict':
          await this.evict(action);
          break;
        case 'delete-pod':
          await this.deletePod(action);
          break;
        case 'pause-rollout':
          await this.pauseRollout(action);
          break;
      }
    });
    return outcome;
  }

  private async writeNode(
    action: ActionOf<'patch-node'>,
    outcome: { conflicts: number; transitions: Transition[] },
  ): Promise<void> {
    const { result, patch } = await this.writer.write(action);
    if (result.kind === 'patched') {
      this.d.nodes.upsert(result.object);
      this.d.log.debug(`node ${action.node}: ${action.note}`, {
        node: action.node,
        ...patch,
      });
      if (action.transition) {
        outcome.transitions.push(action.transition);
        await this.recordTransition(action.transition, result.object.uid);
      }
      return;
    }
    outcome.conflicts++;
    const fresh = await this.d.port.getNode(action.node);
    if (fresh) this.d.nodes.upsert(fresh);
    else {
      const gone = this.d.nodes.get(action.node);
      if (gone) this.d.nodes.remove(gone);
    }
    this.d.log.debug(`node ${action.node} changed meanwhile; planning again`, {
      node: action.node,
      result: result.kind,
    });
  }

  private async evict(action: ActionOf<'evict'>): Promise<void> {
    const { pod } = action;
    const result = await this.d.port.evictPod(pod);
    const previous = this.d.evictions.get(pod.uid);
    const at = this.d.now();
    const fields = { node: action.node, pod };
    switch (result.kind) {
      case 'evicted':
      case 'gone':
        this.d.evictions.set(pod.uid, { at, outcome: 'evicted' });
        this.d.log.info(`node ${action.node}: evicted pod ${pod.namespace}/${pod.name}`, fields);
        break;
      case 'blocked':
        this.d.evictions.set(pod.uid, {
          at,
          outcome: 'blocked',
          budgets: result.budgets,
          message: result.message,
        });
        if (previous?.outcome !== 'blocked')
          this.d.log.info(
            `node ${action.node}: eviction of ${pod.namespace}/${pod.name} refused by PodDisruptionBudget ${result.budgets.join(', ') || '(unknown)'}; retrying`,
            { ...fields, budgets: result.budgets, message: result.message },
          );
        break;
      case 'refused':
        this.d.evictions.set(pod.uid, { at, outcome: 'refused', message: result.message });
        if (previous?.outcome !== 'refused')
          this.d.log.warn(
            `node ${action.node}: eviction of ${pod.namespace}/${pod.name} refused: ${result.message}`,
            fields,
          );
        break;
    }
  }

  private async deletePod(action: ActionOf<'delete-pod'>): Promise<void> {
    const existed = await this.d.port.deletePod(action.pod);
    this.d.evictions.set(action.pod.uid, { at: this.d.now(), outcome: 'deleted' });
    if (existed)
      this.d.log.warn(
        `node ${action.node}: deleted pod ${action.pod.namespace}/${action.pod.name} (${action.why})`,
        { node: action.node, pod: action.pod },
      );
  }

  private async pauseRollout(action: ActionOf<'pause-rollout'>): Promise<void> {
    await this.d.port.patchOnloadAnnotations(this.d.namespace, this.d.crName, {
      [pauseAnnotation]: 'true',
      [canaryDoneAnnotation]: action.version,
    });
    this.d.log.info(action.message);
    await this.d.events.onload(action.message, false, 'RolloutPaused');
  }

  /**
   * Logs every transition; Events only for what a user reads (runtime/events.ts): a failure and a
   * retry (on the Node and, for the failure, on the Onload resource), the pause label set again
   * after someone removed it (on the Node), and each start and finish in the next
   * RolloutProgress Event.
   */
  private async recordTransition(t: Transition, uid: string): Promise<void> {
    const from = t.from ?? 'none';
    const line = `node ${t.node}: ${from} → ${t.to}: ${t.message}`;
    const fields = { node: t.node, from, to: t.to, reason: t.message };
    if (t.warning) this.d.log.warn(line, fields);
    else this.d.log.info(line, fields);
    const retry = t.from === 'upgrade-failed' && isInProgressState(t.to);
    const started = !isInProgressState(t.from) && !retry && isInProgressState(t.to);
    const repaused = isInProgressState(t.from) && t.to === 'stopping-device-plugin';
    if (t.to === 'upgrade-failed')
      await this.d.events.onload(`node ${t.node} failed: ${t.message}`, true, 'NodeUpgradeFailed');
    if (t.to === 'upgrade-failed' || retry || repaused)
      await this.d.events.node(t.node, uid, `${from} → ${t.to}: ${t.message}`, t.warning);
    if (t.to === 'upgrade-done') this.d.events.nodeUpgraded(t.node);
    else if (retry) this.d.events.nodeStarted(t.node, 'retry');
    else if (started) this.d.events.nodeStarted(t.node, t.canary ? 'canary' : undefined);
  }
}
