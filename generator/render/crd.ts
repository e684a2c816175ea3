// The CRD the chart ships (charts/onload/crds/): the source CRD without our doc-only extensions
// (x-docs-*), with int-or-string fields in the structural form Kubernetes requires.
import { stringify } from 'yaml';
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from '../json.ts';
import type { Model } from '../stages/model.ts';
import { commentHeader } from './header.ts';

export function renderCrd(model: Model): string {
  const crd = cloneJson(model.crd);
  const spec = crd.spec;
  const versions = isJsonObject(spec) && Array.isArray(spec.versions) ? spec.versions : [];
  for (const version of versions) {
    const schema = isJsonObject(version) ? version.schema : undefined;
    if (isJsonObject(schema) && isJsonObject(schema.openAPIV3Schema)) {
      schema.openAPIV3Schema = toKubernetesSchema(schema.openAPIV3Schema);
    }
  }
  const body = stringify(crd, { indent: 2, indentSeq: true, lineWidth: 0 });
  return `${commentHeader([model.sourceFiles[0] ?? ''], '#')}\n${body}`;
}

const schemaMaps = new Set(['properties']);
const schemaValues = new Set(['items', 'additionalProperties', 'not']);
const schemaLists = new Set(['anyOf', 'allOf', 'oneOf']);

/** One schema node and, recursively, its sub-schemas; defaults, enums and examples are data. */
export function toKubernetesSchema(node: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(node)) {
    if (key.startsWith('x-docs-')) continue;
    if (schemaMaps.has(key) && isJsonObject(child)) {
      result[key] = mapValues(child, (sub) => (isJsonObject(sub) ? toKubernetesSchema(sub) : sub));
    } else if (schemaValues.has(key) && isJsonObject(child)) {
      result[key] = toKubernetesSchema(child);
    } else if (schemaLists.has(key) && Array.isArray(child)) {
      result[key] = child.map((sub) => (isJsonObject(sub) ? toKubernetesSchema(sub) : sub));
    } else {
      result[key] = child;
    }
    if (key === 'x-kubernetes-int-or-string' && child === true && node.anyOf === undefined) {
      result.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
  }
  return result;
}

function mapValues(object: JsonObject, fn: (value: JsonValue) => JsonValue): JsonObject {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}
