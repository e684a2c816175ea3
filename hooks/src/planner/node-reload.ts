// Reloading a node's driver through KMM's version labels, in dependency order: onload's label
// removed and onload unloaded, sfc relabelled (KMM >= 2.5) or removed and set again, sfc loaded,
// onload's label set, onload loaded. KMM's progress is waited for, with one retry by deleting a
// failing KMM worker pod.
import {
  kmmVersionLabel,
  moduleNames,
  nodeAnnotation,
  pausedLabel,
  type ModuleKey,
} from '../contract.ts';
import { formatTime, formatUnloaded } from '../model/node-facts.ts';
import { workerPodName, workerPods, workerTrouble } from '../model/pods.ts';
import { moduleLoaded } from './driver.ts';
import { target, type Decision, type NodeInput, type Ops } from './node-decision.ts';

interface Keys {
  readonly onload: string;
  readonly sfc: string;
  readonly unloaded: string;
  /** The `unloaded` annotation with these modules added. */
  readonly seen: (...modules: ModuleKey[]) => Ops;
}

function keysOf(input: NodeInput): Keys {
  const ns = input.policy.namespace;
  const unloaded = nodeAnnotation(ns, 'unloaded');
  return {
    onload: kmmVersionLabel(ns, moduleNames.onload),
    sfc: kmmVersionLabel(ns, moduleNames.sfc),
    unloaded,
    seen: (...modules) => ({
      [unloaded]: formatUnloaded([...input.facts.unloaded, ...modules]),
    }),
  };
}

function reloading(step: string, extra: Partial<Decision> = {}): Decision {
  return { state: 'reloading-driver', step, ...extra };
}

export function reload(input: NodeInput): Decision {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { onload, sfc } = facts.modules;
  const keys = keysOf(input);
  const sfcWrong = policy.sfcEnabled ? sfc.label !== version : sfc.label !== undefined;
  if (onload.label !== undefined && (onload.label !== version || sfcWrong)) {
    return reloading(`removing the onload version label (${onload.label}) so KMM unloads onload`, {
      labels: { [keys.onload]: null },
      annotations: { [keys.unloaded]: null },
    });
  }
  if (onload.label === undefined) return withOnloadOut(input, keys);
  return withOnloadIn(input, keys);
}

/** onload is labelled out: wait for its unload, bring sfc to the version, then label onload in. */
function withOnloadOut(input: NodeInput, keys: Keys): Decision {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { onload, sfc } = facts.modules;
  if (onload.ready) return kmmWait(input, 'waiting for KMM to unload onload', ['onload']);
  const sfcStep = policy.sfcEnabled ? reloadSfc(input, keys) : undefined;
  if (sfcStep) return sfcStep;
  return reloading(`setting the onload version label to ${version}`, {
    labels: {
      [keys.onload]: version,
      ...(!policy.sfcEnabled && sfc.label !== undefined ? { [keys.sfc]: null } : {}),
    },
    annotations: keys.seen('onload'),
  });
}

/** sfc's next step while onload is out, or undefined once sfc runs the version. */
function reloadSfc(input: NodeInput, keys: Keys): Decision | undefined {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { sfc } = facts.modules;
  if (sfc.label !== undefined && sfc.label !== version) {
    if (sfc.versionReady !== undefined)
      return reloading(`setting the sfc version label ${sfc.label} → ${version}`, {
        labels: { [keys.sfc]: version },
        annotations: keys.seen('onload'),
      });
    return reloading(`removing the sfc version label (${sfc.label}) so KMM unloads sfc`, {
      labels: { [keys.sfc]: null },
      annotations: keys.seen('onload'),
    });
  }
  if (sfc.label === undefined) {
    if (sfc.ready) return kmmWait(input, 'waiting for KMM to unload sfc', ['sfc']);
    return reloading(`setting the sfc version label to ${version}`, {
      labels: { [keys.sfc]: version },
      annotations: keys.seen('onload', 'sfc'),
    });
  }
  const sfcLoaded = moduleLoaded(facts, 'sfc', version, policy.namespace, input.nmc, true);
  if (sfcLoaded === 'yes') return undefined;
  if (sfc.ready && sfc.versionReady === undefined && !facts.unloaded.includes('sfc'))
    return reloading('removing the sfc version label so KMM reloads sfc visibly (KMM < 2.5)', {
      labels: { [keys.sfc]: null },
    });
  return kmmWait(
    input,
    `waiting for KMM to load sfc ${version}`,
    ['sfc'],
    sfcLoaded === 'need-nmc',
  );
}

/** onload is labelled in at the version: wait until KMM reports both loaded, then unpause. */
function withOnloadIn(input: NodeInput, keys: Keys): Decision {
  const { facts, policy } = input;
  const ns = policy.namespace;
  const version = policy.desiredVersion;
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
    annotations: { [keys.unloaded]: null, [nodeAnnotation(ns, 'retried')]: null },
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
