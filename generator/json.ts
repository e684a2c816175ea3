// JSON value types and small pure helpers shared by the generator's stages.

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy, so later stages can never mutate what an earlier stage returned. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Holds a value that may legitimately be `null` (a default of null differs from no default). */
export interface Present<T> {
  readonly value: T;
}
