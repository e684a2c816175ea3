// hooks/generated/spec-validator.ts: the hooks' check of ONLOAD_SPEC, compiled from the same schema
// as values.schema.json (ajv standalone code, bundled into the hooks by esbuild). The hooks read
// the spec after Helm applied values.yaml, as hooks/generated/onload-types.ts types it. A field
// with a default that the spec leaves out takes that default (ajv useDefaults): the Job of an
// older chart, which does not know a newer field, still runs with a newer hooks image. Beside the
// validator, what each field accepts in words, for error messages that name the field and the fix.
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import type { JsonObject } from '../json.ts';
import type { Model, ValueNode } from '../stages/model.ts';
import { commentHeader } from './header.ts';
import { schemaFor } from './values-schema.ts';

// CommonJS module: Node's ESM loader exposes module.exports as the default import.
const standalone = standaloneModule.default;

/** The spec as the hooks receive it: spec keys only. */
export function hookSpecNode(model: Model): ValueNode {
  return {
    ...model.values,
    properties: model.values.properties.filter((p) => p.scope === 'spec'),
  };
}

/** What a value accepts, in words: "an integer >= 1", "true or false", `"Stop" or "Continue"`. */
export function expectation(node: ValueNode): string {
  const base = ((): string => {
    if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' or ');
    const c = node.constraints;
    const range = `${c.minimum !== undefined ? ` >= ${c.minimum}` : ''}${c.maximum !== undefined ? ` <= ${c.maximum}` : ''}`;
    const text =
      node.patternName ?? (c.pattern !== undefined ? `a string matching ${c.pattern}` : 'a string');
    switch (node.kind) {
      case 'object':
      case 'openObject':
        return 'an object';
      case 'map':
        return node.values?.kind === 'string' ? 'a map of strings' : 'a map';
      case 'array':
        return node.items?.kind === 'string' ? 'a list of strings' : 'a list';
      case 'string':
        return text;
      case 'integer':
        return `an integer${range}`;
      case 'number':
        return `a number${range}`;
      case 'boolean':
        return 'true or false';
      case 'intOrString':
        return `an integer${range} or ${text}`;
    }
  })();
  return node.nullable ? `${base} or null` : base;
}

/** Dotted path (`[]` for list items, `*` for map values) → expectation, for every spec field. */
export function expectations(root: ValueNode): Record<string, string> {
  const table: Record<string, string> = {};
  const visit = (node: ValueNode): void => {
    if (node.path.length > 0) table[node.path.join('.')] = expectation(node);
    node.properties.forEach(visit);
    if (node.items) visit(node.items);
    if (node.values) visit(node.values);
  };
  visit(root);
  return table;
}

/** Keywords that do not validate (docs, defaults) left out of the compiled code. */
const annotationKeywords = new Set(['description', 'examples', 'default', '$comment']);
const schemaMapKeywords = new Set(['properties']);
const schemaKeywords = new Set(['items', 'additionalProperties', 'if', 'then', 'else', 'not']);
const schemaListKeywords = new Set(['anyOf', 'allOf', 'oneOf']);

/** The schema without annotations, but for the defaults of properties (ajv applies only those). */
export function withoutAnnotations(schema: JsonObject, isProperty = false): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (annotationKeywords.has(key) && !(key === 'default' && isProperty && value !== null))
      continue;
    if (schemaMapKeywords.has(key) && isObject(value))
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, isObject(v) ? withoutAnnotations(v, true) : v]),
      );
    else if (schemaKeywords.has(key) && isObject(value)) out[key] = withoutAnnotations(value);
    else if (schemaListKeywords.has(key) && Array.isArray(value))
      out[key] = value.map((v) => (isObject(v) ? withoutAnnotations(v) : v));
    else out[key] = value;
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validatorSource(schema: JsonObject): string {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    useDefaults: true,
    code: { source: true, esm: true },
  });
  const code = standalone(ajv, ajv.compile(schema));
  // The one runtime helper ajv's code needs (string length in code points, as JSON Schema counts
  // it) is defined here: the hooks bundle is ESM and has no require for ajv's runtime module.
  const helper = 'require("ajv/dist/runtime/ucs2length").default';
  return code.split(helper).join('((text) => [...text].length)');
}

export function renderSpecValidator(model: Model): string {
  const node = hookSpecNode(model);
  const code = validatorSource(withoutAnnotations(schemaFor(node)));
  if (code.includes('require('))
    throw new Error('ajv standalone code needs another runtime module');
  return [
    commentHeader(model.sourceFiles, '//'),
    '// ajv standalone code: plain JavaScript, not type-checked.',
    '// @ts-nocheck',
    '',
    `export const specExpectations = ${JSON.stringify(expectations(node), null, 2)};`,
    '',
    code,
    '',
  ].join('\n');
}
