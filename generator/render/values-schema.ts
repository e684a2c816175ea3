// values.schema.json: a strict draft-07 schema of the chart's values, so that `helm install`,
// `helm upgrade`, `helm template` and `helm lint` reject typos and invalid settings.
import type { JsonObject, JsonValue } from '../json.ts';
import type { MutuallyExclusiveRule, TranslatedRule } from '../stages/cel.ts';
import type { Model, ValueNode } from '../stages/model.ts';
import { generatedNotice } from './header.ts';

export const draft07 = 'http://json-schema.org/draft-07/schema#';

/** draft-07 `format` values; anything else (int64, ...) is Kubernetes-only and left out. */
const draft07Formats = new Set([
  'date-time',
  'date',
  'time',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'regex',
]);

export function renderValuesSchema(model: Model): string {
  const schema: JsonObject = {
    $schema: draft07,
    $comment: generatedNotice(model.sourceFiles).join(' '),
    title: 'onload chart values',
    ...schemaFor(model.values),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function schemaFor(node: ValueNode): JsonObject {
  const schema: JsonObject = {};
  if (node.description) schema.description = node.description;
  Object.assign(schema, typeKeywords(node));
  if (node.enum) schema.enum = node.nullable ? [...node.enum, null] : [...node.enum];
  if (node.default) schema.default = node.default.value;
  if (node.example) schema.examples = [node.example.value];
  if (node.format && draft07Formats.has(node.format)) schema.format = node.format;
  if (node.kind === 'object') {
    const properties: JsonObject = {};
    for (const child of node.properties) properties[lastKey(child)] = schemaFor(child);
    if (node.properties.length > 0) schema.properties = properties;
    const required = node.properties.filter((p) => p.required).map(lastKey);
    if (required.length > 0) schema.required = required.sort();
    if (!node.open) schema.additionalProperties = false;
  }
  if (node.kind === 'map' && node.values) schema.additionalProperties = schemaFor(node.values);
  if (node.kind === 'array' && node.items) schema.items = schemaFor(node.items);
  Object.assign(schema, ruleKeywords(node, node.rules));
  return schema;
}

function lastKey(node: ValueNode): string {
  const key = node.path.at(-1);
  if (key === undefined) throw new Error('a property node must have a path');
  return key;
}

function withNull(type: string, nullable: boolean): JsonValue {
  return nullable ? [type, 'null'] : type;
}

/** `type` plus the constraints that belong to it. int-or-string splits them over two branches. */
function typeKeywords(node: ValueNode): JsonObject {
  const c = node.constraints;
  const numeric: JsonObject = {
    ...(c.minimum !== undefined && { minimum: c.minimum }),
    ...(c.maximum !== undefined && { maximum: c.maximum }),
  };
  const text: JsonObject = {
    ...(c.minLength !== undefined && { minLength: c.minLength }),
    ...(c.maxLength !== undefined && { maxLength: c.maxLength }),
    ...(c.pattern !== undefined && { pattern: c.pattern }),
  };
  const list: JsonObject = {
    ...(c.minItems !== undefined && { minItems: c.minItems }),
    ...(c.maxItems !== undefined && { maxItems: c.maxItems }),
    ...(c.uniqueItems !== undefined && { uniqueItems: c.uniqueItems }),
  };
  const object: JsonObject = {
    ...(c.minProperties !== undefined && { minProperties: c.minProperties }),
    ...(c.maxProperties !== undefined && { maxProperties: c.maxProperties }),
  };
  switch (node.kind) {
    case 'intOrString': {
      const branches: JsonValue[] = [
        { type: 'integer', ...numeric },
        { type: 'string', ...text },
      ];
      if (node.nullable) branches.push({ type: 'null' });
      return { anyOf: branches };
    }
    case 'object':
    case 'map':
    case 'openObject':
      return { type: withNull('object', node.nullable), ...object };
    case 'array':
      return { type: withNull('array', node.nullable), ...list };
    case 'string':
      return { type: withNull('string', node.nullable), ...text };
    case 'integer':
    case 'number':
      return { type: withNull(node.kind, node.nullable), ...numeric };
    case 'boolean':
      return { type: withNull('boolean', node.nullable) };
  }
}

function ruleKeywords(node: ValueNode, rules: readonly TranslatedRule[]): JsonObject {
  const clauses = rules.map((rule) => mutuallyExclusive(node, rule));
  if (clauses.length === 0) return {};
  const [only] = clauses;
  return clauses.length === 1 && only ? only : { allOf: clauses };
}

/**
 * if <one> is true then <other> must be false; the error lands on the rule's error field. A field
 * left out counts as its default, as Kubernetes defaulting would make it.
 */
function mutuallyExclusive(node: ValueNode, rule: MutuallyExclusiveRule): JsonObject {
  const [first, second] = rule.fields;
  const other = rule.errorField === second ? first : second;
  const defaultsToTrue = (field: string): boolean =>
    node.properties.find((p) => p.path.at(-1) === field)?.default?.value === true;
  return {
    $comment: rule.message,
    if: {
      properties: { [other]: { const: true } },
      ...(!defaultsToTrue(other) && { required: [other] }),
    },
    then: {
      properties: { [rule.errorField]: { const: false } },
      ...(defaultsToTrue(rule.errorField) && { required: [rule.errorField] }),
    },
  };
}
