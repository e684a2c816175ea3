// Renders converted values as a YAML file and checks them like Helm would (values.yaml merged
// with them, then the chart's values.schema.json).
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import type { JsonObject } from '../json.ts';
import { coalesce } from './coalesce.ts';
import type { Migration } from './convert.ts';

export function renderMigratedValues(migration: Migration, input: string): string {
  const source = [migration.namespace, migration.name].filter((s) => s !== undefined).join('/');
  const header = [
    `# Values for the onload chart, converted by npm run migrate from ${input}${source ? ` (Onload ${source})` : ''}.`,
    '# Keys set to null remove a chart default (Helm merges maps with values.yaml).',
  ];
  const body = stringify(migration.values, { indent: 2, indentSeq: true, lineWidth: 0 });
  return `${header.join('\n')}\n${body}`;
}

export interface SchemaProblem {
  /** Dotted path of the offending value, e.g. onload.version. */
  readonly field: string;
  readonly message: string;
}

/** Schema problems of the values as Helm would validate them (values.yaml merged with them). */
export function checkValues(
  chartValues: JsonObject,
  values: JsonObject,
  schema: JsonObject,
): SchemaProblem[] {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(coalesce(chartValues, values))) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const steps = e.instancePath.split('/').filter((step) => step !== '');
      const missing = (e.params as { missingProperty?: unknown }).missingProperty;
      if (e.keyword === 'required' && typeof missing === 'string') steps.push(missing);
      return { field: steps.join('.'), message: e.message ?? 'invalid' };
    });
}

/** Problems no action note already explains (a note on spec.onload.version covers onload.version). */
export function unexplained(
  problems: readonly SchemaProblem[],
  migration: Migration,
): SchemaProblem[] {
  const noted = migration.notes
    .filter((n) => n.action)
    .map((n) => n.path.replace(/^spec\./, '').replace(/\[\d*\]/g, ''));
  return problems.filter(
    (p) => !noted.some((path) => p.field === path || p.field.startsWith(`${path}.`)),
  );
}
