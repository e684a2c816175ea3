// ONLOAD_SPEC: the chart's spec values as JSON (defaults applied by Helm from values.yaml), checked
// with the validator the generator compiles from the chart's own schema, so a hand-made Job fails
// naming each bad field and what it accepts instead of misbehaving. A field the Job leaves out
// takes the schema's default: an older chart's Job runs with a newer hooks image.
import type { OnloadSpec } from '../../generated/onload-types.ts';
import { specExpectations, validate } from '../../generated/spec-validator.ts';
import { ConfigError } from './errors.ts';

export class SpecError extends ConfigError {}

interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

type Validator = ((data: unknown) => boolean) & { errors?: readonly SchemaError[] | null };

const validateSpec = validate as Validator;
const expectations: Readonly<Record<string, string>> = specExpectations;

export function parseSpec(text: string, source: string): OnloadSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpecError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const problems = specProblems(value);
  if (problems.length > 0)
    throw new SpecError(
      `${source}: ${problems.join('; ')}. Set these chart values (helm upgrade --set ...) or re-render the chart.`,
    );
  return value as OnloadSpec;
}

/** One line per bad field: `<path> must be <what it accepts> (got <value>)`. */
export function specProblems(value: unknown): string[] {
  if (validateSpec(value)) return [];
  const problems = new Map<string, string>();
  for (const error of validateSpec.errors ?? []) {
    const path = fieldPath(error);
    const key = path.join('.');
    if (problems.has(key)) continue;
    if (error.keyword === 'additionalProperties') {
      problems.set(key, `${key} is not a setting of the chart`);
      continue;
    }
    const got = valueAt(value, path);
    const what = expectationOf(path) ?? error.message ?? 'valid';
    problems.set(
      key,
      `${key || 'the spec'} must be ${what} (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`,
    );
  }
  return [...problems.values()];
}

function fieldPath(error: SchemaError): string[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  return typeof extra === 'string' ? [...path, extra] : path;
}

/** The expectation whose path matches: `[]` matches a list index, `*` any map key. */
function expectationOf(path: readonly string[]): string | undefined {
  for (const [pattern, what] of Object.entries(expectations)) {
    const parts = pattern.split('.');
    if (
      parts.length === path.length &&
      parts.every(
        (p, i) => p === path[i] || p === '*' || (p === '[]' && /^\d+$/.test(path[i] ?? '')),
      )
    )
      return what;
  }
  return undefined;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
