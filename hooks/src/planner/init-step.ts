// The init step of the device plugin and control plane pods waits until the loaded onload driver
// reports the version of the pod's userland (charts/onload/templates/_helpers.tpl,
// "onload.waitForDriverScript"). With the desired driver loaded before the step started, it
// passes within one 5 s poll and a copy of a few MB; a step still running long after that never
// will: the loaded driver does not report the version its userland reports.
import type { PodView } from '../kube/port.ts';

/** How long an init step may run with the desired driver loaded before it counts as stuck. */
export const initStepGraceMs = 60_000;

export interface DriverLoaded {
  readonly now: number;
  /** Since when KMM reports the desired driver loaded; undefined: since before the pod started. */
  readonly since?: number;
}

/** When the init step of `pod` counts as stuck, if it is running (undefined: it is not). */
function stuckFrom(pod: PodView, driver: DriverLoaded): number | undefined {
  if (pod.ready || pod.deleting || pod.initRunning === undefined) return undefined;
  return (
    Math.max(pod.initRunning.since, driver.since ?? Number.NEGATIVE_INFINITY) + initStepGraceMs
  );
}

/** The init step of `pod` has waited on a loaded driver that does not match its userland. */
export function waitsOnMismatchedDriver(pod: PodView, driver: DriverLoaded): boolean {
  const from = stuckFrom(pod, driver);
  return from !== undefined && driver.now >= from;
}

/** The next time one of `pods` comes to count as stuck (nothing else changes then). */
export function nextStuckAt(pods: readonly PodView[], driver: DriverLoaded): number | undefined {
  const future = pods
    .map((p) => stuckFrom(p, driver))
    .filter((t): t is number => t !== undefined && t > driver.now);
  return future.length > 0 ? Math.min(...future) : undefined;
}

/** For humans: why `pod` (a "device plugin" / "control plane", `what`) will never be Ready. */
export function mismatchedDriverMessage(what: string, pod: PodView, version: string): string {
  const container = pod.initRunning?.container ?? 'init';
  return (
    `${what} pod ${pod.name}, in its init step for over ${initStepGraceMs / 1000}s while KMM reports onload ${version} loaded ` +
    `(the step passes only once the loaded driver reports the version of the pod's userland, so it never will: ` +
    `this driver and onload.userImage are not the same Onload build, or the userland cannot tell its version; ` +
    `kubectl logs -n ${pod.namespace} ${pod.name} -c ${container} says which)`
  );
}
