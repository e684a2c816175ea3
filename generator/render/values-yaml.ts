// values.yaml: every value with its default and its description as a comment. Values without a
// default are shown commented out with an example, so the file documents the whole interface.
import { stringify } from 'yaml';
import type { JsonValue } from '../json.ts';
import { displayPath, type Model, type ValueNode } from '../stages/model.ts';
import { commentHeader } from './header.ts';
import { sentence, wrap } from './text.ts';

const lineWidth = 100;

export function renderValuesYaml(model: Model): string {
  const requiredKeys = new Set(
    model.entries.filter((e) => e.required).map((e) => e.path.join('.')),
  );
  // A required key inside an optional object (onload.sign.keySecret) is required only when set.
  const withRequiredParents = (e: ValueNode): boolean =>
    e.path.slice(0, -1).every((_, i) => requiredKeys.has(e.path.slice(0, i + 1).join('.')));
  const required = model.entries.filter(
    (e) =>
      e.required &&
      !e.default &&
      e.kind !== 'object' &&
      isTopLevelPath(e) &&
      withRequiredParents(e),
  );
  const lines = [commentHeader(model.sourceFiles, '#')];
  if (required.length > 0) {
    lines.push(
      '#',
      ...wrap(
        `Values you must set (no default): ${required.map((e) => displayPath(e.path)).join(', ')}.`,
        lineWidth - 2,
      ).map((l) => `# ${l}`),
    );
  }
  for (const node of model.values.properties) lines.push('', ...renderEntry(node, 0));
  return `${lines.join('\n')}\n`;
}

/** Values reachable without stepping into a list or map (the ones values.yaml can show). */
function isTopLevelPath(node: ValueNode): boolean {
  return !node.path.includes('[]') && !node.path.includes('*');
}

/** Whether values.yaml sets this key (rather than showing it commented out). */
export function isSet(node: ValueNode): boolean {
  if (node.default) return true;
  return node.kind === 'object' && node.required;
}

export function renderEntry(node: ValueNode, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const key = node.path.at(-1) ?? '';
  const comment = wrap(commentText(node), lineWidth - indent - 2).map((l) => `${pad}# ${l}`);
  if (!isSet(node)) {
    const shown = yamlLines(key, exampleValue(node)).map((l) => `${pad}# ${l}`);
    return [...comment, ...shown];
  }
  if (node.kind === 'object' && node.properties.length > 0) {
    const children = node.properties.flatMap((child) => renderEntry(child, indent + 2));
    const anySet = node.properties.some(isSet);
    return [...comment, `${pad}${key}:${anySet ? '' : ' {}'}`, ...children];
  }
  return [...comment, ...yamlLines(key, node.default?.value ?? null).map((l) => `${pad}${l}`)];
}

function commentText(node: ValueNode): string {
  const parts: string[] = [];
  if (node.required && !node.default && node.kind !== 'object') parts.push('Required.');
  parts.push(sentence(node.description));
  if (node.enum)
    parts.push(
      `One of: ${node.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}.`,
    );
  return parts.join(' ');
}

/** What a commented-out key shows: the documented example, else a value of the right shape. */
export function exampleValue(node: ValueNode): JsonValue {
  if (node.example) return node.example.value;
  const [first] = node.enum ?? [];
  if (first !== undefined) return first;
  switch (node.kind) {
    case 'object':
    case 'map':
    case 'openObject':
      return {};
    case 'array':
      return [];
    case 'string':
      return '';
    case 'integer':
    case 'number':
    case 'intOrString':
      return node.constraints.minimum ?? 0;
    case 'boolean':
      return false;
  }
}

/** `key: value` as block YAML lines with two-space indentation. */
export function yamlLines(key: string, value: JsonValue): string[] {
  const text = stringify({ [key]: value }, { indent: 2, indentSeq: true, lineWidth: 0 });
  return text.replace(/\n$/, '').split('\n');
}
