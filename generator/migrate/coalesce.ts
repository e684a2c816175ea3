// Helm's merge of a user's values over the chart's values.yaml: maps merge key by key, any other
// value replaces, and a null from the user deletes the key.
import { isJsonObject, type JsonObject, type JsonValue } from '../json.ts';

export function coalesce(defaults: JsonObject, overrides: JsonObject): JsonObject {
  const merged = new Map<string, JsonValue>(Object.entries(structuredClone(defaults)));
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged.get(key);
    if (value === null) merged.delete(key);
    else if (isJsonObject(value) && isJsonObject(current))
      merged.set(key, coalesce(current, value));
    else merged.set(key, structuredClone(value));
  }
  return Object.fromEntries(merged);
}
