// One node's next step in a rollout, derived from what the node looks like now (level-triggered):
// paused → device plugin / control plane gone while the consumers are evicted (node-evict.ts) →
// no consumer left → KMM relabelled
// in dependency order (node-reload.ts) → new version loaded → unpaused → validated
// (node-validate.ts) → done. Each state's wait is bounded from the node's `since` annotation.
import { isEmptyChange, type NodeChange } from '../model/node-facts.ts';
import { podsLeavingPausedNode, podKey, consumers } from '../model/pods.ts';
import { labelsAtTarget } from './driver.ts';
import type { Decision, NodeInput, NodeOutput } from './node-decision.ts';
import { evict } from './node-evict.ts';
import { reload } from './node-reload.ts';
import { validate } from './node-validate.ts';
import type { Action } from './types.ts';

export type { NodeInput, NodeOutput } from './node-decision.ts';

const maxMessage = 1_000;

export function advanceNode(input: NodeInput): NodeOutput {
  const decision = decide(input);
  return finalize(input, decision);
}

function decide(input: NodeInput): Decision {
  const { facts, policy } = input;
  if (!facts.paused) {
    if (!labelsAtTarget(facts, policy)) {
      return {
        state: 'stopping-device-plugin',
        step: 'pausing the device plugin again (our pause label was removed before the driver was reloaded)',
        change: { paused: true },
      };
    }
    return validate(input);
  }
  if (input.pods === undefined)
    return { state: facts.state ?? 'stopping-device-plugin', step: 'listing the pods on the node' };
  const ref = { namespace: policy.namespace, release: policy.release };
  const services = podsLeavingPausedNode(
    [...input.releasePods, ...input.pods],
    input.node.name,
    ref,
  );
  const toEvict = consumers(input.pods, input.node.name, policy.eviction.extra);
  if (services.length > 0) {
    const names = unique(services.map(podKey)).sort().join(', ');
    // Consumers drain while the device plugin stops; one that lands meanwhile is evicted too, and
    // the drain ends only once the device plugin is gone and no consumer is left.
    const draining = toEvict.length > 0 ? evict(input, toEvict) : undefined;
    return {
      state: 'stopping-device-plugin',
      step: `waiting for the device plugin / control plane / metrics pods to leave: ${names}${
        draining ? `; meanwhile ${draining.step}` : ''
      }`,
      ...(draining?.actions && draining.actions.length > 0 ? { actions: draining.actions } : {}),
      ...(draining?.wakeAt !== undefined ? { wakeAt: draining.wakeAt } : {}),
      timeout: {
        seconds: policy.timeouts.devicePluginStopSeconds,
        expire: () => ({
          state: 'stopping-device-plugin',
          step: '',
          fail: {
            reason: 'DevicePluginStopTimeout',
            message: `device plugin / control plane / metrics pods did not leave within ${policy.timeouts.devicePluginStopSeconds}s: ${names}`,
          },
        }),
      },
    };
  }
  if (toEvict.length > 0) return evict(input, toEvict);
  return reload(input);
}

function finalize(input: NodeInput, first: Decision): NodeOutput {
  const { decision, wakeAt } = followTimeouts(input, first);
  const needNmc = decision.needNmc ?? false;
  const actions: Action[] = [...(decision.actions ?? [])];
  if (decision.fail) return failed(input, decision.fail, actions, needNmc);
  const patch = statePatch(input, decision);
  if (patch) actions.push(patch);
  return {
    actions,
    state: decision.state,
    step: decision.step,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    needPods: decision.state !== 'upgrade-done',
    needNmc,
  };
}

/** Follows expired timeouts (a forced deletion has its own, longer one); when to look again. */
function followTimeouts(
  input: NodeInput,
  first: Decision,
): { readonly decision: Decision; readonly wakeAt: number | undefined } {
  const { facts, now } = input;
  let decision = first;
  let wakeAt = decision.wakeAt;
  for (;;) {
    const t = decision.timeout;
    if (t === undefined || decision.fail) break;
    if (facts.state !== decision.state || facts.since === undefined) {
      wakeAt = min(wakeAt, now + t.seconds * 1000);
      break;
    }
    const due = facts.since + t.seconds * 1000;
    if (now < due) {
      wakeAt = min(wakeAt, due);
      break;
    }
    decision = t.expire();
    wakeAt = min(wakeAt, decision.wakeAt);
  }
  return { decision, wakeAt };
}

function failed(
  input: NodeInput,
  fail: NonNullable<Decision['fail']>,
  actions: Action[],
  needNmc: boolean,
): NodeOutput {
  const { facts, now, node } = input;
  const message = truncate(fail.message);
  actions.push({
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    change: { state: 'upgrade-failed', failure: { reason: fail.reason, message }, since: now },
    transition: {
      node: node.name,
      ...(facts.state !== undefined ? { from: facts.state } : {}),
      to: 'upgrade-failed',
      message: `${fail.reason}: ${message}`,
      warning: true,
    },
    note: `mark failed (${fail.reason})`,
  });
  return {
    actions,
    state: 'upgrade-failed',
    step: `failed: ${fail.reason}: ${message}`,
    needPods: true,
    needNmc,
    failure: { name: node.name, reason: fail.reason, message, since: now },
  };
}

/** The decision's change, plus the state and its `since` when the state changes. */
function statePatch(input: NodeInput, decision: Decision): Action | undefined {
  const { facts, now, node } = input;
  const changing = facts.state !== decision.state;
  const base = decision.change ?? {};
  const change: NodeChange = changing
    ? { ...base, state: decision.state, since: now }
    : facts.since === undefined && base.since === undefined
      ? { ...base, since: now }
      : base;
  if (isEmptyChange(change)) return undefined;
  return {
    kind: 'patch-node',
    node: node.name,
    resourceVersion: node.resourceVersion,
    change,
    ...(changing
      ? {
          transition: {
            node: node.name,
            ...(facts.state !== undefined ? { from: facts.state } : {}),
            to: decision.state,
            message: decision.step,
            warning: false,
          },
        }
      : {}),
    note: decision.step,
  };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function truncate(text: string): string {
  return text.length <= maxMessage ? text : `${text.slice(0, maxMessage - 1)}…`;
}
