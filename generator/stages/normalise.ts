// Stage 2 (pure): check the schema sources against the OpenAPI subset the generator understands,
// clone them and turn each schema node into a typed, normalised SchemaNode. Every problem is
// collected, then reported at once. Property order is kept as written (it is the order values.yaml
// and the README show); everything else that has no meaningful order is sorted.
import { cloneJson, isJsonObject, type JsonObject, type JsonValue, type Present } from '../json.ts';
import { sourceFiles } from '../sources.ts';
import type { Sources } from './read.ts';

export const schemaTypes = ['object', 'array', 'string', 'integer', 'number', 'boolean'] as const;
export type SchemaType = (typeof schemaTypes)[number];

export interface Constraints {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly uniqueItems?: boolean;
}

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly fieldPath?: string;
}

export interface SchemaNode {
  /** Where the node is, for messages: source file and dotted value path. */
  readonly location: string;
  readonly type?: SchemaType;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required: readonly string[];
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode;
  readonly default?: Present<JsonValue>;
  readonly enum?: readonly JsonValue[];
  readonly format?: string;
  readonly nullable: boolean;
  readonly intOrString: boolean;
  readonly preserveUnknownFields: boolean;
  readonly validations: readonly CelRule[];
  /** Doc-only `x-docs-example`: shown in values.yaml / README for keys without a default. */
  readonly example?: Present<JsonValue>;
  /** Doc-only `x-docs-pattern`: what `pattern` accepts, in words (for the hooks' error messages). */
  readonly patternName?: string;
  readonly constraints: Constraints;
}

export interface NormalisedSources {
  /** Deep copy of the CRD document. */
  readonly crd: JsonObject;
  readonly spec: SchemaNode;
  readonly status: SchemaNode;
  /** Chart-only settings (schema/chart-values.yaml). */
  readonly chart: SchemaNode;
  readonly valuesTableTemplate: string;
  readonly readme: string | undefined;
}

export class SchemaSourceError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`the schema sources have ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

const numberConstraints = ['minimum', 'maximum'] as const;
const countConstraints = [
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;

/** Keywords that only matter to Kubernetes (kept in the shipped CRD, irrelevant for values). */
const kubernetesOnlyKeywords = new Set([
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

const knownKeywords = new Set<string>([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'default',
  'enum',
  'format',
  'pattern',
  'uniqueItems',
  'nullable',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-docs-example',
  'x-docs-pattern',
  ...numberConstraints,
  ...countConstraints,
  ...kubernetesOnlyKeywords,
]);

export function normalise(sources: Sources): NormalisedSources {
  const problems: string[] = [];
  const crd = asObject(sources.crd, sourceFiles.crd, 'the document', problems);
  const root = crdRootSchema(crd, problems);
  const rootNode = root
    ? normaliseNode(root, sourceFiles.crd, '<root>', problems)
    : emptyNode(sourceFiles.crd);
  const spec = rootNode.properties?.spec;
  const status = rootNode.properties?.status;
  if (root && !spec) problems.push(`${sourceFiles.crd}: openAPIV3Schema has no spec property`);
  if (root && !status) problems.push(`${sourceFiles.crd}: openAPIV3Schema has no status property`);

  const chartRaw = asObject(sources.chartValues, sourceFiles.chartValues, 'the document', problems);
  const chart = normaliseNode(chartRaw, sourceFiles.chartValues, '<root>', problems);
  checkTopLevel(spec, sourceFiles.crd, 'spec', problems);
  checkTopLevel(chart, sourceFiles.chartValues, 'the document', problems);
  for (const key of Object.keys(chart.properties ?? {})) {
    if (spec?.properties?.[key]) {
      problems.push(
        `${sourceFiles.chartValues}: "${key}" is already a spec property in ${sourceFiles.crd}; rename one of them`,
      );
    }
  }
  if (problems.length > 0) throw new SchemaSourceError(problems);
  return {
    crd: cloneJson(crd),
    spec: spec ?? emptyNode(sourceFiles.crd),
    status: status ?? emptyNode(sourceFiles.crd),
    chart,
    valuesTableTemplate: sources.valuesTableTemplate,
    readme: sources.readme,
  };
}

function checkTopLevel(
  node: SchemaNode | undefined,
  file: string,
  what: string,
  problems: string[],
): void {
  if (!node) return;
  if (node.type !== 'object' || !node.properties) {
    problems.push(`${file}: ${what} must be an object schema with properties`);
  }
}

/** The single version's openAPIV3Schema of the CRD. */
function crdRootSchema(crd: JsonObject, problems: string[]): JsonObject | undefined {
  const file = sourceFiles.crd;
  if (crd.kind !== 'CustomResourceDefinition') {
    problems.push(`${file}: kind must be CustomResourceDefinition`);
    return undefined;
  }
  const spec = crd.spec;
  const versions = isJsonObject(spec) ? spec.versions : undefined;
  if (!Array.isArray(versions) || versions.length !== 1) {
    problems.push(`${file}: spec.versions must list exactly one version (the generator maps one)`);
    return undefined;
  }
  const version = versions[0];
  const schema = isJsonObject(version) ? version.schema : undefined;
  const root = isJsonObject(schema) ? schema.openAPIV3Schema : undefined;
  if (!isJsonObject(root)) {
    problems.push(`${file}: spec.versions[0].schema.openAPIV3Schema is missing`);
    return undefined;
  }
  return root;
}

function asObject(value: unknown, file: string, what: string, problems: string[]): JsonObject {
  if (isJsonObject(value)) return value;
  problems.push(`${file}: ${what} must be a YAML mapping`);
  return {};
}

function emptyNode(file: string): SchemaNode {
  return {
    location: file,
    required: [],
    nullable: false,
    intOrString: false,
    preserveUnknownFields: false,
    validations: [],
    constraints: {},
  };
}

function childPath(parent: string, key: string): string {
  return parent === '<root>' ? key : `${parent}.${key}`;
}

export function normaliseNode(
  raw: JsonObject,
  file: string,
  path: string,
  problems: string[],
): SchemaNode {
  const location = `${file} at ${path}`;
  const problem = (message: string): void => {
    problems.push(`${location}: ${message}`);
  };
  for (const key of Object.keys(raw).sort()) {
    if (!knownKeywords.has(key)) {
      problem(
        `unsupported keyword "${key}"; the generator would drop it silently, so teach it first (generator/stages/normalise.ts)`,
      );
    }
  }

  const type = readType(raw.type, problem);
  const intOrString = readFlag(raw, 'x-kubernetes-int-or-string', problem);
  const preserveUnknownFields = readFlag(raw, 'x-kubernetes-preserve-unknown-fields', problem);
  const nullable = readFlag(raw, 'nullable', problem);
  if (raw.type === undefined && !intOrString && !preserveUnknownFields) {
    problem('type is required (unless x-kubernetes-int-or-string or preserve-unknown-fields)');
  }
  if (intOrString && type !== undefined) {
    problem('x-kubernetes-int-or-string must not be combined with type');
  }

  const properties = readProperties(raw.properties, file, path, problem, problems);
  const required = readStringList(raw.required, 'required', problem).slice().sort();
  for (const name of required) {
    if (!properties?.[name]) problem(`required lists "${name}", which is not a property`);
  }
  if (properties && type !== 'object') problem('properties need type: object');

  let items: SchemaNode | undefined;
  if (raw.items !== undefined) {
    if (isJsonObject(raw.items)) items = normaliseNode(raw.items, file, `${path}[]`, problems);
    else problem('items must be a schema object');
  }
  if (type === 'array' && !items) problem('arrays need items');
  if (items && type !== 'array') problem('items need type: array');

  let additionalProperties: SchemaNode | undefined;
  if (raw.additionalProperties !== undefined) {
    if (isJsonObject(raw.additionalProperties)) {
      additionalProperties = normaliseNode(raw.additionalProperties, file, `${path}.*`, problems);
    } else {
      problem('additionalProperties must be a schema object (maps); objects are closed by default');
    }
    if (properties) problem('use either properties or additionalProperties, not both');
  }

  const node: SchemaNode = {
    location,
    required,
    nullable,
    intOrString,
    preserveUnknownFields,
    validations: readValidations(raw['x-kubernetes-validations'], problem),
    constraints: readConstraints(raw, problem),
    ...(type !== undefined && { type }),
    ...optionalString(raw, 'description', problem),
    ...optionalString(raw, 'format', problem),
    ...(properties && { properties }),
    ...(items && { items }),
    ...(additionalProperties && { additionalProperties }),
    ...('default' in raw && { default: { value: raw.default } }),
    ...('x-docs-example' in raw && { example: { value: raw['x-docs-example'] } }),
    ...(typeof raw['x-docs-pattern'] === 'string' && { patternName: raw['x-docs-pattern'] }),
    ...(raw.enum !== undefined && { enum: readEnum(raw.enum, problem) }),
  };
  if (node.default) checkValueKind(node, node.default.value, 'default', problem);
  if (node.example) checkValueKind(node, node.example.value, 'x-docs-example', problem);
  if ('x-docs-pattern' in raw && (node.patternName === undefined || !node.constraints.pattern))
    problem('x-docs-pattern must be a string, next to a pattern');
  return node;
}

function readType(
  value: JsonValue | undefined,
  problem: (m: string) => void,
): SchemaType | undefined {
  if (value === undefined) return undefined;
  const found = schemaTypes.find((t) => t === value);
  if (!found)
    problem(`type must be one of ${schemaTypes.join(', ')} (got ${JSON.stringify(value)})`);
  return found;
}

function readFlag(raw: JsonObject, key: string, problem: (m: string) => void): boolean {
  const value = raw[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') problem(`${key} must be true or false`);
  return value === true;
}

function readProperties(
  value: JsonValue | undefined,
  file: string,
  path: string,
  problem: (m: string) => void,
  problems: string[],
): Record<string, SchemaNode> | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) {
    problem('properties must be a mapping');
    return undefined;
  }
  const result: Record<string, SchemaNode> = {};
  for (const [key, child] of Object.entries(value)) {
    if (isJsonObject(child))
      result[key] = normaliseNode(child, file, childPath(path, key), problems);
    else problem(`property "${key}" must be a schema object`);
  }
  return result;
}

function readStringList(
  value: JsonValue | undefined,
  key: string,
  problem: (m: string) => void,
): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  problem(`${key} must be a list of strings`);
  return [];
}

function readEnum(value: JsonValue, problem: (m: string) => void): JsonValue[] {
  if (Array.isArray(value) && value.length > 0) return value;
  problem('enum must be a non-empty list');
  return [];
}

function optionalString(
  raw: JsonObject,
  key: 'description' | 'format',
  problem: (m: string) => void,
): Partial<Record<typeof key, string>> {
  const value = raw[key];
  if (value === undefined) return {};
  if (typeof value !== 'string') {
    problem(`${key} must be a string`);
    return {};
  }
  return { [key]: key === 'description' ? value.trim() : value };
}

function readConstraints(raw: JsonObject, problem: (m: string) => void): Constraints {
  const result: Record<string, number | string | boolean> = {};
  for (const key of numberConstraints) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value === 'number') result[key] = value;
    else problem(`${key} must be a number`);
  }
  for (const key of countConstraints) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) result[key] = value;
    else problem(`${key} must be a non-negative integer`);
  }
  if (raw.pattern !== undefined) {
    if (typeof raw.pattern !== 'string') problem('pattern must be a string');
    else {
      try {
        new RegExp(raw.pattern, 'u');
        result.pattern = raw.pattern;
      } catch (error) {
        problem(`pattern is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
  if (raw.uniqueItems !== undefined) {
    if (typeof raw.uniqueItems === 'boolean') result.uniqueItems = raw.uniqueItems;
    else problem('uniqueItems must be true or false');
  }
  return result;
}

function readValidations(value: JsonValue | undefined, problem: (m: string) => void): CelRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem('x-kubernetes-validations must be a list');
    return [];
  }
  const rules: CelRule[] = [];
  for (const entry of value) {
    if (!isJsonObject(entry) || typeof entry.rule !== 'string') {
      problem('each x-kubernetes-validations entry needs a rule string');
      continue;
    }
    const unknown = Object.keys(entry).filter((k) => !['rule', 'message', 'fieldPath'].includes(k));
    if (unknown.length > 0) {
      problem(`x-kubernetes-validations entry has unsupported keys: ${unknown.join(', ')}`);
    }
    rules.push({
      rule: entry.rule,
      ...(typeof entry.message === 'string' && { message: entry.message }),
      ...(typeof entry.fieldPath === 'string' && { fieldPath: entry.fieldPath }),
    });
  }
  return rules;
}

/** Checks that a default or example has the JSON type the node declares. */
function checkValueKind(
  node: SchemaNode,
  value: JsonValue,
  what: string,
  problem: (m: string) => void,
): void {
  if (value === null) {
    if (!node.nullable) problem(`${what} is null but the field is not nullable`);
    return;
  }
  const actual = jsonKind(value);
  const accepted: readonly string[] = node.intOrString
    ? ['integer', 'string']
    : node.type === 'number'
      ? ['integer', 'number']
      : node.type
        ? [node.type]
        : ['object'];
  if (!accepted.includes(actual)) {
    problem(`${what} ${JSON.stringify(value)} is ${actual}, expected ${accepted.join(' or ')}`);
  }
  if (node.enum && !node.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problem(`${what} ${JSON.stringify(value)} is not one of the enum values`);
  }
}

export function jsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
