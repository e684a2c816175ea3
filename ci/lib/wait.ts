import { setTimeout as sleep } from 'node:timers/promises';

export class WaitTimeoutError extends Error {}

function errorText(error: unknown): string {
  if (error === undefined) return '';
  return error instanceof Error ? error.message : JSON.stringify(error);
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * naming what was awaited and the last observation `describe` gives.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = options.describe ? await options.describe() : errorText(lastError);
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs / 1000}s waiting for ${what}${detail ? `: ${detail}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}
