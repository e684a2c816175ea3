// Validates values against the generated values.schema.json with ajv (draft-07, like Helm).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonObject } from '../json.ts';

export function compileValuesSchema(schema: JsonObject): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  return ajv.compile(schema);
}

/** `instancePath: message` lines, or [] when valid. */
export function schemaErrors(validate: ValidateFunction, values: unknown): string[] {
  if (validate(values)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}
