// A keyed work queue: one reconcile per key at a time, changes during a run coalesce into one
// more run, a reconcile can ask to run again later, failures retry with back-off.
import { errorText, type Logger } from '../log.ts';

/** Returns milliseconds after which the key wants another run, or undefined. */
export type Reconcile = (key: string) => Promise<number | undefined>;

export class WorkQueue {
  readonly #reconcile: Reconcile;
  readonly #log: Logger;
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  #stopped = false;

  constructor(reconcile: Reconcile, log: Logger) {
    this.#reconcile = reconcile;
    this.#log = log;
  }

  add(key: string, delayMs = 0): void {
    if (this.#stopped) return;
    const at = Date.now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      void this.#run(key);
    }, delayMs);
    this.#timers.set(key, { at, timer });
  }

  stop(): void {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async #run(key: string): Promise<void> {
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#running.add(key);
    try {
      const again = await this.#reconcile(key);
      this.#failures.delete(key);
      if (again !== undefined) this.add(key, again);
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#log.warn('reconcile failed; retrying', { key, failures, error: errorText(error) });
      this.add(key, Math.min(250 * 2 ** failures, 10_000));
    } finally {
      this.#running.delete(key);
    }
    if (this.#dirty.delete(key)) this.add(key);
  }
}
