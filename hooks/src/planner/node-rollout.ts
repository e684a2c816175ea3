// One node's next step in a rollout, derived from what the node looks like now (level-triggered):
// paused → device plugin / control plane gone → consumers evicted → KMM relabelled in dependency
// order (onload out, sfc reloaded, onload in) → new version loaded → unpaused → validated → done.
import {
  kmmVersionLabel,
  moduleNames,
  nodeAnnotation,
  pausedLabel,
  stateLabel,
  type ModuleKey,
  type NodeState,
} from '../contract.ts';
import type { NmcView, NodeView, PodView } from '../kube/port.ts';
import { formatTime, formatUnloaded, type NodeFacts } from '../model/node-facts.ts';
import {
  consumers,
  nodeServicePods,
  podKey,
  workerPodName,
  workerPods,
  workerTrouble,
} from '../model/pods.ts';
import { checkServices, labelsAtTarget, moduleLoaded } from './driver.ts';
import type { Policy } from './policy.ts';
import type { Action, EvictionRecord, FailedNode } from './types.ts';

export interface NodeInput {
  readonly policy: Policy;
  readonly now: number;
  readonly node: NodeView;
  readonly facts: NodeFacts;
  /** All pods on the node; undefined until observed. */
  readonly pods: readonly PodView[] | undefined;
  readonly releasePods: readonly PodView[];
  readonly workerPods: readonly PodView[];
  readonly nmc: NmcView | null | undefined;
  readonly evictions: ReadonlyMap<string, EvictionRecord>;
}

export interface NodeOutput {
  readonly actions: readonly Action[];
  /** The node's state once the actions are done. */
  readonly state: NodeState;
  readonly step: string;
  readonly wakeAt?: number;
  readonly needPods: boolean;
  readonly needNmc: boolean;
  readonly failure?: FailedNode;
}

type Ops = Record<string, string | null>;

interface Decision {
  readonly state: NodeState;
  readonly step: string;
  readonly labels?: Ops;
  readonly annotations?: Ops;
  /** Evictions / deletions, executed before the node patch. */
  readonly actions?: readonly Action[];
  /** A wait bounded by `seconds` from the state's `since`; `expire` says what happens after. */
  readonly timeout?: { readonly seconds: number; readonly expire: () => Decision };
  readonly wakeAt?: number;
  readonly needNmc?: boolean;
  readonly fail?: { readonly reason: string; readonly message: string };
}

/** Retry evictions refused by a disruption budget this often. */
const evictionRetryMs = 5_000;
/** Re-send an accepted eviction if the pod is still not terminating after this long. */
const evictionResendMs = 30_000;

/** When a pod's eviction is (re)sent, given what became of the last one. */
export function nextEvictionAt(record: EvictionRecord | undefined, now: number): number {
  if (record === undefined) return now;
  const accepted = record.outcome === 'evicted' || record.outcome === 'deleted';
  return record.at + (accepted ? evictionResendMs : evictionRetryMs);
}
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
        labels: { [pausedLabel(policy.namespace)]: 'true' },
      };
    }
    return validate(input);
  }
  if (input.pods === undefined)
    return { state: facts.state ?? 'stopping-device-plugin', step: 'listing the pods on the node' };
  const ref = { namespace: policy.namespace, release: policy.release };
  const services = nodeServicePods([...input.releasePods, ...input.pods], input.node.name, ref);
  if (services.length > 0) {
    const names = unique(services.map(podKey)).sort().join(', ');
    return {
      state: 'stopping-device-plugin',
      step: `waiting for the device plugin / control plane pods to leave: ${names}`,
      timeout: {
        seconds: policy.timeouts.devicePluginStopSeconds,
        expire: () => ({
          state: 'stopping-device-plugin',
          step: '',
          fail: {
            reason: 'DevicePluginStopTimeout',
            message: `device plugin / control plane pods did not leave within ${policy.timeouts.devicePluginStopSeconds}s: ${names}`,
          },
        }),
      },
    };
  }
  const toEvict = consumers(input.pods, input.node.name, policy.eviction.extra);
  if (toEvict.length > 0) return evict(input, toEvict);
  return reload(input);
}

function evict(input: NodeInput, pods: readonly PodView[]): Decision {
  const { now, policy, evictions } = input;
  const actions: Action[] = [];
  let wakeAt: number | undefined;
  for (const pod of pods) {
    if (pod.deleting) continue;
    const record = evictions.get(pod.uid);
    const retryAt = nextEvictionAt(record, now);
    if (retryAt <= now) actions.push({ kind: 'evict', node: input.node.name, pod: target(pod) });
    else wakeAt = Math.min(wakeAt ?? retryAt, retryAt);
  }
  const seconds = policy.timeouts.evictionSeconds;
  const describe = (): string => describePods(pods, evictions);
  const failed = (): Decision => ({
    state: 'evicting',
    step: '',
    fail: {
      reason: 'EvictionTimeout',
      message: `${pods.length} pod(s) still on the node after ${seconds}s of evictions: ${describe()}${
        policy.eviction.force
          ? ' (also after deleting them)'
          : '; set upgrade.eviction.force=true to delete them after the timeout, or resolve the budget'
      }`,
    },
  });
  return {
    state: 'evicting',
    step: `evicting ${pods.length} pod(s): ${describe()}`,
    actions,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    timeout: {
      seconds,
      expire: () =>
        policy.eviction.force
          ? {
              state: 'evicting',
              step: `deleting ${pods.length} pod(s) that eviction did not remove within ${seconds}s: ${describe()}`,
              actions: pods
                .filter((p) => !p.deleting && evictions.get(p.uid)?.outcome !== 'deleted')
                .map((p) => ({
                  kind: 'delete-pod' as const,
                  node: input.node.name,
                  pod: target(p),
                  why: `upgrade.eviction.force: not evicted within ${seconds}s`,
                })),
              timeout: { seconds: 2 * seconds, expire: failed },
            }
          : failed(),
    },
  };
}

function reload(input: NodeInput): Decision {
  const { facts, policy } = input;
  const ns = policy.namespace;
  const version = policy.desiredVersion;
  const { onload, sfc } = facts.modules;
  const sfcWrong = policy.sfcEnabled ? sfc.label !== version : sfc.label !== undefined;
  const onloadKey = kmmVersionLabel(ns, moduleNames.onload);
  const sfcKey = kmmVersionLabel(ns, moduleNames.sfc);
  const unloadedKey = nodeAnnotation(ns, 'unloaded');
  const reloading = (step: string, extra: Partial<Decision> = {}): Decision => ({
    state: 'reloading-driver',
    step,
    ...extra,
  });
  const seen = (...modules: ModuleKey[]): Ops => ({
    [unloadedKey]: formatUnloaded([...facts.unloaded, ...modules]),
  });

  if (onload.label !== undefined && (onload.label !== version || sfcWrong)) {
    return reloading(`removing the onload version label (${onload.label}) so KMM unloads onload`, {
      labels: { [onloadKey]: null },
      annotations: { [unloadedKey]: null },
    });
  }
  if (onload.label === undefined) {
    if (onload.ready) return kmmWait(input, 'waiting for KMM to unload onload', ['onload']);
    if (policy.sfcEnabled) {
      if (sfc.label !== undefined && sfc.label !== version) {
        if (sfc.versionReady !== undefined) {
          return reloading(`setting the sfc version label ${sfc.label} → ${version}`, {
            labels: { [sfcKey]: version },
            annotations: seen('onload'),
          });
        }
        return reloading(`removing the sfc version label (${sfc.label}) so KMM unloads sfc`, {
          labels: { [sfcKey]: null },
          annotations: seen('onload'),
        });
      }
      if (sfc.label === undefined) {
        if (sfc.ready) return kmmWait(input, 'waiting for KMM to unload sfc', ['sfc']);
        return reloading(`setting the sfc version label to ${version}`, {
          labels: { [sfcKey]: version },
          annotations: seen('onload', 'sfc'),
        });
      }
      const sfcLoaded = moduleLoaded(facts, 'sfc', version, ns, input.nmc, true);
      if (sfcLoaded !== 'yes') {
        if (sfc.ready && sfc.versionReady === undefined && !facts.unloaded.includes('sfc')) {
          return reloading(
            'removing the sfc version label so KMM reloads sfc visibly (KMM < 2.5)',
            {
              labels: { [sfcKey]: null },
            },
          );
        }
        return kmmWait(
          input,
          `waiting for KMM to load sfc ${version}`,
          ['sfc'],
          sfcLoaded === 'need-nmc',
        );
      }
    }
    return reloading(`setting the onload version label to ${version}`, {
      labels: {
        [onloadKey]: version,
        ...(!policy.sfcEnabled && sfc.label !== undefined ? { [sfcKey]: null } : {}),
      },
      annotations: seen('onload'),
    });
  }
  const onloadLoaded = moduleLoaded(facts, 'onload', version, ns, input.nmc, true);
  if (onloadLoaded !== 'yes')
    return kmmWait(
      input,
      `waiting for KMM to load onload ${version}`,
      ['onload'],
      onloadLoaded === 'need-nmc',
    );
  if (policy.sfcEnabled) {
    const sfcLoaded = moduleLoaded(facts, 'sfc', version, ns, input.nmc, true);
    if (sfcLoaded !== 'yes')
      return kmmWait(
        input,
        `waiting for KMM to report sfc ${version} loaded`,
        ['sfc'],
        sfcLoaded === 'need-nmc',
      );
  }
  return {
    state: 'validating',
    step: `driver ${version} loaded; returning the node to the device plugin and control plane`,
    labels: { [pausedLabel(ns)]: null },
    annotations: { [unloadedKey]: null, [nodeAnnotation(ns, 'retried')]: null },
  };
}

/** Waiting for KMM; a failing worker pod is deleted once (KMM recreates it), then the node fails. */
function kmmWait(
  input: NodeInput,
  step: string,
  modules: readonly ModuleKey[],
  needNmc = false,
): Decision {
  const { facts, policy, now, node } = input;
  const ns = policy.namespace;
  const seconds = policy.timeouts.driverReloadSeconds;
  const workers = workerPods(input.workerPods, node.name, ns).filter(
    (p) =>
      !p.deleting &&
      modules.some(
        (m) =>
          p.name === workerPodName(node.name, m) ||
          p.labels['kmm.node.kubernetes.io/module.name'] === moduleNames[m],
      ),
  );
  const retry = (why: string): Decision => ({
    state: 'reloading-driver',
    step: `${step}; retrying once: deleting KMM worker pod(s) ${workers.map((w) => w.name).join(', ')} (${why})`,
    actions: workers.map((w) => ({
      kind: 'delete-pod' as const,
      node: node.name,
      pod: target(w),
      why,
    })),
    annotations: {
      [nodeAnnotation(ns, 'retried')]: formatTime(now),
      [nodeAnnotation(ns, 'since')]: formatTime(now),
    },
  });
  const fail = (reason: string, message: string): Decision => ({
    state: 'reloading-driver',
    step: '',
    fail: { reason, message },
  });
  for (const w of workers) {
    const trouble = workerTrouble(w);
    if (trouble === undefined) continue;
    if (facts.retriedAt === undefined) return retry(trouble);
    if (w.createdAt >= facts.retriedAt)
      return fail('DriverLoadFailed', `${step}: ${trouble}; it failed again after one retry`);
  }
  const workerInfo =
    workers.length > 0
      ? `KMM worker pod(s): ${workers.map((w) => `${w.name} (${w.phase}${w.trouble ? `, ${w.trouble}` : ''})`).join(', ')}`
      : 'no KMM worker pod for this node (check the ModuleImagesConfig and the KMM operator logs)';
  return {
    state: 'reloading-driver',
    step,
    needNmc,
    timeout: {
      seconds,
      expire: () =>
        facts.retriedAt === undefined && workers.length > 0
          ? retry(`no progress within ${seconds}s`)
          : fail('DriverReloadTimeout', `${step}: not done within ${seconds}s; ${workerInfo}`),
    },
  };
}

function validate(input: NodeInput): Decision {
  const { policy, node } = input;
  const ref = { namespace: policy.namespace, release: policy.release };
  const check = checkServices(node, input.releasePods, ref, policy.desiredVersion);
  if (check.ok) {
    return {
      state: 'upgrade-done',
      step: `running onload ${policy.desiredVersion}`,
      annotations: clearedBookkeeping(policy.namespace),
    };
  }
  const seconds = policy.timeouts.validationSeconds;
  return {
    state: 'validating',
    step: `waiting for ${check.missing.join(', ')}`,
    actions: check.stale.map((p) => ({
      kind: 'delete-pod' as const,
      node: node.name,
      pod: target(p),
      why: `not Ready and built for another userland version than ${policy.desiredVersion}`,
    })),
    timeout: {
      seconds,
      expire: () => ({
        state: 'validating',
        step: '',
        fail: {
          reason: 'ValidationTimeout',
          message: `not serving within ${seconds}s: ${check.missing.join(', ')}`,
        },
      }),
    },
  };
}

export function clearedBookkeeping(namespace: string): Ops {
  return {
    [nodeAnnotation(namespace, 'reason')]: null,
    [nodeAnnotation(namespace, 'message')]: null,
    [nodeAnnotation(namespace, 'unloaded')]: null,
    [nodeAnnotation(namespace, 'retried')]: null,
  };
}

function finalize(input: NodeInput, first: Decision): NodeOutput {
  const { facts, now, policy, node } = input;
  const ns = policy.namespace;
  let decision = first;
  const entering = (d: Decision): boolean => facts.state !== d.state;
  let wakeAt = decision.wakeAt;
  // Follow expired timeouts (a forced deletion has its own, longer one).
  for (;;) {
    const t = decision.timeout;
    if (t === undefined || decision.fail) break;
    if (entering(decision) || facts.since === undefined) {
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
  const needNmc = decision.needNmc ?? false;
  const actions: Action[] = [...(decision.actions ?? [])];

  if (decision.fail) {
    const message = truncate(decision.fail.message);
    actions.push({
      kind: 'patch-node',
      node: node.name,
      resourceVersion: node.resourceVersion,
      labels: { [stateLabel(ns)]: 'upgrade-failed' },
      annotations: {
        [nodeAnnotation(ns, 'reason')]: decision.fail.reason,
        [nodeAnnotation(ns, 'message')]: message,
        [nodeAnnotation(ns, 'since')]: formatTime(now),
      },
      transition: {
        node: node.name,
        ...(facts.state !== undefined ? { from: facts.state } : {}),
        to: 'upgrade-failed',
        message: `${decision.fail.reason}: ${message}`,
        warning: true,
      },
      note: `mark failed (${decision.fail.reason})`,
    });
    return {
      actions,
      state: 'upgrade-failed',
      step: `failed: ${decision.fail.reason}: ${message}`,
      needPods: true,
      needNmc,
      failure: { name: node.name, reason: decision.fail.reason, message, since: now },
    };
  }

  const labels: Ops = { ...(decision.labels ?? {}) };
  const annotations: Ops = { ...(decision.annotations ?? {}) };
  const changing = entering(decision);
  const sinceKey = nodeAnnotation(ns, 'since');
  if (changing) {
    labels[stateLabel(ns)] = decision.state;
    annotations[sinceKey] = formatTime(now);
  } else if (facts.since === undefined && !(sinceKey in annotations)) {
    annotations[sinceKey] = formatTime(now);
  }
  if (Object.keys(labels).length > 0 || Object.keys(annotations).length > 0) {
    actions.push({
      kind: 'patch-node',
      node: node.name,
      resourceVersion: node.resourceVersion,
      labels,
      annotations,
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
    });
  }
  return {
    actions,
    state: decision.state,
    step: decision.step,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    needPods: decision.state !== 'upgrade-done',
    needNmc,
  };
}

function describePods(
  pods: readonly PodView[],
  evictions: ReadonlyMap<string, EvictionRecord>,
): string {
  return pods
    .map((p) => {
      const r = evictions.get(p.uid);
      let why = p.deleting ? 'terminating' : 'not evicted yet';
      if (!p.deleting && r?.outcome === 'blocked')
        why = `blocked by PodDisruptionBudget ${r.budgets && r.budgets.length > 0 ? r.budgets.join(', ') : '(unknown)'}${r.message ? `: ${r.message}` : ''}`;
      else if (!p.deleting && r?.outcome === 'refused')
        why = `eviction refused: ${r.message ?? ''}`;
      else if (!p.deleting && r?.outcome === 'evicted') why = 'evicted, not terminating yet';
      else if (!p.deleting && r?.outcome === 'deleted') why = 'deleted, not gone yet';
      const owner = p.owner ? ` owned by ${p.owner.kind} ${p.owner.name}` : '';
      return `${podKey(p)}${owner} (${why})`;
    })
    .join(', ');
}

function target(p: PodView): { namespace: string; name: string; uid: string } {
  return { namespace: p.namespace, name: p.name, uid: p.uid };
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
