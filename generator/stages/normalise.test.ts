import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../json.ts';
import { readSources } from './read.ts';
import { normalise, SchemaSourceError } from './normalise.ts';
import { repoRoot, sourcesWith } from '../tests/sources.ts';

function problemsOf(spec: JsonObject, chart?: JsonObject): readonly string[] {
  try {
    normalise(sourcesWith({ spec, ...(chart && { chart }) }));
  } catch (error) {
    if (error instanceof SchemaSourceError) return error.problems;
    throw error;
  }
  return [];
}

describe('normalise', () => {
  it('reads x-docs-pattern next to a pattern, and refuses it alone', () => {
    const spec = (field: JsonObject): JsonObject => ({
      type: 'object',
      properties: { v: { type: 'string', description: 'v', ...field } },
    });
    const named = normalise(
      sourcesWith({ spec: spec({ pattern: '^a$', 'x-docs-pattern': 'the letter a' }) }),
    );
    expect(named.spec.properties?.v?.patternName).toBe('the letter a');
    expect(problemsOf(spec({ 'x-docs-pattern': 'the letter a' }))).toEqual([
      expect.stringContaining('x-docs-pattern must be a string, next to a pattern'),
    ]);
  });

  it('accepts the project schema files', async () => {
    const result = normalise(await readSources(repoRoot));
    expect(Object.keys(result.spec.properties ?? {})).toEqual([
      'onload',
      'devicePlugin',
      'selector',
      'serviceAccountName',
      'sfc',
      'machineConfig',
      'sfptpd',
      'upgrade',
    ]);
    expect(result.chart.properties?.images?.type).toBe('object');
  });

  it('keeps property order as written and sorts required', () => {
    const result = normalise(
      sourcesWith({
        spec: {
          type: 'object',
          required: ['zeta', 'alpha'],
          properties: {
            zeta: { type: 'string', description: 'z' },
            alpha: { type: 'string', description: 'a' },
          },
        },
      }),
    );
    expect(Object.keys(result.spec.properties ?? {})).toEqual(['zeta', 'alpha']);
    expect(result.spec.required).toEqual(['alpha', 'zeta']);
  });

  it('reads int-or-string, nullable, defaults of null and doc examples', () => {
    const result = normalise(
      sourcesWith({
        spec: {
          type: 'object',
          properties: {
            budget: { 'x-kubernetes-int-or-string': true, default: '25%', pattern: '^\\d+%$' },
            image: { type: 'string', nullable: true, default: null },
            name: { type: 'string', 'x-docs-example': 'demo' },
          },
        },
      }),
    );
    const props = result.spec.properties ?? {};
    expect(props.budget).toMatchObject({ intOrString: true, default: { value: '25%' } });
    expect(props.budget?.constraints).toEqual({ pattern: '^\\d+%$' });
    expect(props.image).toMatchObject({ nullable: true, default: { value: null } });
    expect(props.name?.example).toEqual({ value: 'demo' });
    expect(props.name?.default).toBeUndefined();
  });

  it('rejects keywords it would otherwise drop silently, naming file and field', () => {
    const problems = problemsOf({
      type: 'object',
      properties: { retries: { type: 'integer', exclusiveMinimum: true } },
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^schema\/onload-crd\.yaml at spec\.retries: unsupported keyword "exclusiveMinimum"/,
      ),
    ]);
  });

  it('collects every problem before failing', () => {
    const problems = problemsOf({
      type: 'object',
      required: ['missing'],
      properties: {
        count: { type: 'integer', default: 'three' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'c' },
        odd: { type: 'strnig' },
        both: { 'x-kubernetes-int-or-string': true, type: 'string' },
        list: { type: 'array' },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('required lists "missing"'),
        expect.stringContaining('at spec.count: default "three" is string, expected integer'),
        expect.stringContaining('at spec.mode: default "c" is not one of the enum values'),
        expect.stringContaining('at spec.odd: type must be one of'),
        expect.stringContaining('at spec.both: x-kubernetes-int-or-string must not be combined'),
        expect.stringContaining('at spec.list: arrays need items'),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('rejects a null default on a field that is not nullable', () => {
    expect(
      problemsOf({ type: 'object', properties: { image: { type: 'string', default: null } } }),
    ).toEqual([expect.stringContaining('default is null but the field is not nullable')]);
  });

  it('rejects a chart-only key that repeats a spec key', () => {
    const problems = problemsOf(
      { type: 'object', properties: { images: { type: 'object', description: 'd' } } },
      { type: 'object', properties: { images: { type: 'object', description: 'd' } } },
    );
    expect(problems).toEqual([expect.stringContaining('"images" is already a spec property')]);
  });

  it('rejects invalid regular expressions in pattern', () => {
    expect(
      problemsOf({ type: 'object', properties: { v: { type: 'string', pattern: '([' } } }),
    ).toEqual([expect.stringContaining('at spec.v: pattern is not a valid regular expression')]);
  });

  it('returns a copy of the CRD that later changes to the input do not reach', () => {
    const sources = sourcesWith({ spec: { type: 'object', properties: {} } });
    const result = normalise(sources);
    (sources.crd as { kind: string }).kind = 'Changed';
    expect(result.crd.kind).toBe('CustomResourceDefinition');
  });
});
