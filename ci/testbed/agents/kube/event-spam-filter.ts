// client-go's event recorder, which KMM records its Node events with, drops events beyond a budget
// per event source and involved object (tools/record/events_cache.go, EventSourceObjectSpamFilter):
// a burst of 25, refilled at one event per 300 s. What it drops is never written to the API server.
// The stand-in keeps the same budget, so a test that spends a node's budget sees what KMM does.
export const eventSpamBurst = 25;
export const eventSpamRefillMs = 300_000;

export interface EventSpamFilter {
  /** Whether an event from `source` about `object` at `nowMs` is written; spends one if so. */
  allow(source: string, object: string, nowMs: number): boolean;
}

export function eventSpamFilter(
  burst = eventSpamBurst,
  refillMs = eventSpamRefillMs,
): EventSpamFilter {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  return {
    allow(source, object, nowMs) {
      const key = `${source}\u0000${object}`;
      const bucket = buckets.get(key) ?? { tokens: burst, atMs: nowMs };
      const refilled = Math.min(burst, bucket.tokens + (nowMs - bucket.atMs) / refillMs);
      const allowed = refilled >= 1;
      buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, atMs: nowMs });
      return allowed;
    },
  };
}
