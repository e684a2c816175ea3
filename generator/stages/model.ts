// Stage 3 (pure): the intermediate model every renderer reads. The chart's values are one object
// whose properties are the CRD's spec properties followed by the chart-only settings; each value
// is a ValueNode (path, kind, default, description, required, example, enum, constraints, rules).
import type { JsonObject, JsonValue, Present } from '../json.ts';
import { sourceFiles } from '../sources.ts';
import { translateRule, type TranslatedRule } from './cel.ts';
import type { Constraints, NormalisedSources, SchemaNode } from './normalise.ts';

export type ValueKind =
  | 'object'
  | 'map'
  | 'openObject'
  | 'array'
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'intOrString';

export type Scope = 'spec' | 'chart' | 'status';

/** Path segment used for array items. */
export const itemsSegment = '[]';
/** Path segment used for the values of a map. */
export const mapValuesSegment = '*';

export interface ValueNode {
  /** Keys from the root; `[]` steps into array items, `*` into map values. */
  readonly path: readonly string[];
  readonly scope: Scope;
  readonly kind: ValueKind;
  readonly nullable: boolean;
  /** An object with properties that also accepts unknown keys (preserve-unknown-fields). */
  readonly open: boolean;
  readonly description: string;
  /** Required by its parent object. */
  readonly required: boolean;
  readonly default?: Present<JsonValue>;
  readonly example?: Present<JsonValue>;
  readonly enum?: readonly JsonValue[];
  readonly format?: string;
  /** What `constraints.pattern` accepts, in words. */
  readonly patternName?: string;
  readonly constraints: Constraints;
  /** Object properties in source order (kind object). */
  readonly properties: readonly ValueNode[];
  /** Array item schema (kind array). */
  readonly items?: ValueNode;
  /** Map value schema (kind map). */
  readonly values?: ValueNode;
  readonly rules: readonly TranslatedRule[];
}

export interface Model {
  /** The chart's values: spec keys, then chart-only keys. */
  readonly values: ValueNode;
  /** The CR's status (for the hooks' types). */
  readonly status: ValueNode;
  readonly specKeys: readonly string[];
  readonly chartKeys: readonly string[];
  /** Every value below the root, depth first, array item fields included. */
  readonly entries: readonly ValueNode[];
  /** Deep copy of the CRD document. */
  readonly crd: JsonObject;
  readonly sourceFiles: readonly string[];
  readonly valuesTableTemplate: string;
  readonly readme: string | undefined;
}

export class ModelError extends Error {}

export function buildModel(sources: NormalisedSources): Model {
  const specKeys = Object.keys(sources.spec.properties ?? {});
  const chartKeys = Object.keys(sources.chart.properties ?? {});
  const spec = toValueNode(sources.spec, [], 'spec', false);
  const chart = toValueNode(sources.chart, [], 'chart', false);
  const values: ValueNode = {
    ...spec,
    description: 'Values of the onload chart.',
    properties: [...spec.properties, ...chart.properties],
    rules: [...spec.rules, ...chart.rules],
  };
  requireDescriptions(values);
  return {
    values,
    status: toValueNode(sources.status, [], 'status', false),
    specKeys,
    chartKeys,
    entries: flatten(values),
    crd: sources.crd,
    sourceFiles: [sourceFiles.crd, sourceFiles.chartValues],
    valuesTableTemplate: sources.valuesTableTemplate,
    readme: sources.readme,
  };
}

function kindOf(node: SchemaNode): ValueKind {
  if (node.intOrString) return 'intOrString';
  if (node.type === 'object' || node.type === undefined) {
    if (node.additionalProperties) return 'map';
    if (node.preserveUnknownFields && !node.properties) return 'openObject';
    return 'object';
  }
  return node.type;
}

export function toValueNode(
  node: SchemaNode,
  path: readonly string[],
  scope: Scope,
  required: boolean,
): ValueNode {
  const properties = Object.entries(node.properties ?? {}).map(([key, child]) =>
    toValueNode(child, [...path, key], scope, node.required.includes(key)),
  );
  const rules = scope === 'status' ? [] : node.validations.map((rule) => translateRule(rule, node));
  return {
    path,
    scope,
    kind: kindOf(node),
    nullable: node.nullable,
    open: node.preserveUnknownFields && node.properties !== undefined,
    description: node.description ?? '',
    required,
    constraints: node.constraints,
    properties,
    rules,
    ...(node.default && { default: node.default }),
    ...(node.example && { example: node.example }),
    ...(node.enum && { enum: node.enum }),
    ...(node.format !== undefined && { format: node.format }),
    ...(node.patternName !== undefined && { patternName: node.patternName }),
    ...(node.items && {
      items: toValueNode(node.items, [...path, itemsSegment], scope, false),
    }),
    ...(node.additionalProperties && {
      values: toValueNode(node.additionalProperties, [...path, mapValuesSegment], scope, false),
    }),
  };
}

/** Depth first: each object's properties, stepping through array items and map values. */
export function flatten(node: ValueNode): ValueNode[] {
  const result: ValueNode[] = [];
  const visit = (current: ValueNode): void => {
    for (const child of current.properties) {
      result.push(child);
      visit(child);
    }
    if (current.items) visit(current.items);
    if (current.values) visit(current.values);
  };
  visit(node);
  return result;
}

/** Every documented value needs a description; the README and values.yaml rely on it. */
function requireDescriptions(values: ValueNode): void {
  const missing = flatten(values)
    .filter((entry) => entry.description === '')
    .map((entry) => displayPath(entry.path));
  if (missing.length > 0) {
    throw new ModelError(
      `these values have no description (add one in ${sourceFiles.crd} or ${sourceFiles.chartValues}): ${missing.join(', ')}`,
    );
  }
}

/** `onload.kernelMappings[].regexp`, `selector.*` */
export function displayPath(path: readonly string[]): string {
  return path
    .map((segment, index) =>
      segment === itemsSegment ? segment : index === 0 ? segment : `.${segment}`,
    )
    .join('');
}

/** The JSON type names of a node's values, for documentation. */
export function describeType(node: ValueNode): string {
  const base = ((): string => {
    switch (node.kind) {
      case 'object':
      case 'openObject':
        return 'object';
      case 'map':
        return node.values ? `map of ${describeType(node.values)}` : 'map';
      case 'array':
        return node.items ? `list of ${describeType(node.items)}` : 'list';
      case 'intOrString':
        return 'integer or string';
      default:
        return node.kind;
    }
  })();
  return node.nullable ? `${base} or null` : base;
}
