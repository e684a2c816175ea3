/** How the plugin retries a failed call: a few times, briefly, since a person is waiting. */
export const interactiveRetry = {
  attempts: 3,
  baseMs: 200,
  maxMs: 1_000,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
