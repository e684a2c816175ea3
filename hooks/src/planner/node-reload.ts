// Reloading a node's driver through KMM's version labels, in dependency order: onload's label
// removed and onload unloaded, sfc relabelled (KMM >= 2.5) or removed and set again, sfc loaded,
// onload's label set, onload loaded. KMM's progress is waited for, with one retry by deleting a
// failing KMM worker pod; troubles KMM retries by itself (module in use, image pull) are waited out.
import { moduleNames, type ModuleKey } from '../contract.ts';
import {
  isTransientWorkerTrouble,
  workerPodName,
  workerPods,
  workerTrouble,
} from '../model/pods.ts';
import { moduleLoaded } from './driver.ts';
import { target, type Decision, type NodeInput } from './node-decision.ts';

/** The modules seen unloaded in this reload, with these added. */
function seen(input: NodeInput, ...modules: ModuleKey[]): readonly ModuleKey[] {
  return [...input.facts.unloaded, ...modules];
}

function reloading(step: string, extra: Partial<Decision> = {}): Decision {
  return { state: 'reloading-driver', step, ...extra };
}

export function reload(input: NodeInput): Decision {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { onload, sfc } = facts.modules;
  const sfcWrong = policy.sfcEnabled ? sfc.label !== version : sfc.label !== undefined;
  if (onload.label !== undefined && (onload.label !== version || sfcWrong)) {
    return reloading(`removing the onload version label (${onload.label}) so KMM unloads onload`, {
      change: { versions: { onload: null }, unloaded: null },
    });
  }
  if (onload.label === undefined) return withOnloadOut(input);
  return withOnloadIn(input);
}

/** onload is labelled out: wait for its unload, bring sfc to the version, then label onload in. */
function withOnloadOut(input: NodeInput): Decision {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { onload, sfc } = facts.modules;
  if (onload.ready) return kmmWait(input, 'waiting for KMM to unload onload', ['onload']);
  const sfcStep = policy.sfcEnabled ? reloadSfc(input) : undefined;
  if (sfcStep) return sfcStep;
  return reloading(`setting the onload version label to ${version}`, {
    change: {
      versions: {
        onload: version,
        ...(!policy.sfcEnabled && sfc.label !== undefined ? { sfc: null } : {}),
      },
      unloaded: seen(input, 'onload'),
    },
  });
}

/** sfc's next step while onload is out, or undefined once sfc runs the version. */
function reloadSfc(input: NodeInput): Decision | undefined {
  const { facts, policy } = input;
  const version = policy.desiredVersion;
  const { sfc } = facts.modules;
  if (sfc.label !== undefined && sfc.label !== version) {
    if (sfc.versionReady !== undefined)
      return reloading(`setting the sfc version label ${sfc.label} → ${version}`, {
        change: { versions: { sfc: version }, unloaded: seen(input, 'onload') },
      });
    return reloading(`removing the sfc version label (${sfc.label}) so KMM unloads sfc`, {
      change: { versions: { sfc: null }, unloaded: seen(input, 'onload') },
    });
  }
  if (sfc.label === undefined) {
    if (sfc.ready) return kmmWait(input, 'waiting for KMM to unload sfc', ['sfc']);
    return reloading(`setting the sfc version label to ${version}`, {
      change: { versions: { sfc: version }, unloaded: seen(input, 'onload', 'sfc') },
    });
  }
  const sfcLoaded = moduleLoaded(facts, 'sfc', version, policy.namespace, input.nmc, true);
  if (sfcLoaded === 'yes') return undefined;
  if (sfc.ready && sfc.versionReady === undefined && !facts.unloaded.includes('sfc'))
    return reloading('removing the sfc version label so KMM reloads sfc visibly (KMM < 2.5)', {
      change: { versions: { sfc: null } },
    });
  return kmmWait(
    input,
    `waiting for KMM to load sfc ${version}`,
    ['sfc'],
    sfcLoaded === 'need-nmc',
  );
}

/** onload is labelled in at the version: wait until KMM reports both loaded, then unpause. */
function withOnloadIn(input: NodeInput): Decision {
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
    change: { paused: false, unloaded: null, retried: null },
  };
}

/**
 * Waiting for KMM; a failing worker pod is deleted once (KMM recreates it), then the node fails.
 * A transient trouble is waited out until the step's driverReloadSeconds.
 */
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
    change: { retried: now, since: now },
  });
  const fail = (reason: string, message: string): Decision => ({
    state: 'reloading-driver',
    step: '',
    fail: { reason, message },
  });
  const transient: string[] = [];
  for (const w of workers) {
    const trouble = workerTrouble(w);
    if (trouble === undefined) continue;
    if (isTransientWorkerTrouble(w)) {
      transient.push(trouble);
      continue;
    }
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
    step:
      transient.length > 0
        ? `${step}; ${transient.join('; ')} (KMM retries with back-off; waiting up to ${seconds}s)`
        : step,
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
