// Runs work items group by group: the items of one group in order, up to `limit` groups at once.
// After a failure no new item starts; the first error is rethrown once the items in flight end.

export async function runGrouped<T>(
  items: readonly T[],
  groupOf: (item: T) => string,
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = groupOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const queue = [...groups.values()];
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      for (const item of group) {
        if (failure) return;
        try {
          await run(item);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, worker));
  if (failure) throw failure.error;
}
