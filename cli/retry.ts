import { isTransient, withRetry } from '../hooks/src/kube/errors.ts';

/** How the plugin retries a failed call: a few times, briefly, since a person is waiting. */
export const interactiveRetry = {
  attempts: 3,
  baseMs: 200,
  maxMs: 1_000,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** One API call of the plugin: retried on transient errors unless aborted or not idempotent. */
export function interactiveCall<T>(
  what: string,
  signal: AbortSignal,
  idempotent: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  return withRetry(
    what,
    fn,
    interactiveRetry,
    (e) => !signal.aborted && idempotent && isTransient(e),
  );
}
