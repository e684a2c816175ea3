// A label/annotation map after a JSON merge patch of it, as the API server applies one: a null
// value removes the key, any other value sets it.
export function mergeStringMap(
  base: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const out = Object.fromEntries(Object.entries(base).filter(([k]) => patch[k] !== null));
  for (const [k, v] of Object.entries(patch)) if (v !== null) out[k] = v;
  return out;
}
