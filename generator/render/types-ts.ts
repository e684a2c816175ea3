// hooks/generated/onload-types.ts: TypeScript types of the Onload CR and of the chart's values,
// as the hooks see them (after defaulting: a field with a default is never optional).
import type { JsonValue } from '../json.ts';
import type { Model, ValueNode } from '../stages/model.ts';
import { commentHeader } from './header.ts';
import { wrap } from './text.ts';

interface Declaration {
  readonly name: string;
  readonly node: ValueNode;
  readonly extendsName?: string;
}

export function renderTypes(model: Model): string {
  const spec: ValueNode = {
    ...model.values,
    description: 'Desired Onload deployment (the CR spec), after defaulting.',
    properties: model.values.properties.filter((p) => p.scope === 'spec'),
  };
  const chart: ValueNode = {
    ...model.values,
    description:
      "The chart's values after Helm merged values.yaml: the spec plus chart-only settings.",
    properties: model.values.properties.filter((p) => p.scope === 'chart'),
  };
  const status: ValueNode = { ...model.status, description: model.status.description };
  const declarations: Declaration[] = [];
  collect('OnloadSpec', spec, declarations);
  collect('OnloadStatus', status, declarations);
  const chartDeclarations: Declaration[] = [];
  collect('ChartValues', chart, chartDeclarations);
  const [chartRoot, ...chartNested] = chartDeclarations;
  const ordered = [
    ...declarations,
    ...(chartRoot ? [{ ...chartRoot, extendsName: 'OnloadSpec' }] : []),
    ...chartNested,
  ];
  return [
    commentHeader(model.sourceFiles, '//'),
    '',
    '/** Top-level keys of the Onload CR spec; in the chart they are top-level keys of the values. */',
    `export const specKeys = ${literalList(model.specKeys)} as const;`,
    'export type SpecKey = (typeof specKeys)[number];',
    '',
    '/** Top-level keys of the chart-only settings (not part of the CR spec). */',
    `export const chartKeys = ${literalList(model.chartKeys)} as const;`,
    'export type ChartKey = (typeof chartKeys)[number];',
    '',
    ordered.map(renderInterface).join('\n\n'),
    '',
  ].join('\n');
}

function literalList(keys: readonly string[]): string {
  return `[${keys.map((k) => `'${k}'`).join(', ')}]`;
}

function hasShape(node: ValueNode): boolean {
  return node.kind === 'object' && node.properties.length > 0;
}

/** Pre-order: a declaration, then the declarations of its nested objects. */
function collect(name: string, node: ValueNode, into: Declaration[]): void {
  into.push({ name, node });
  for (const child of node.properties)
    collectNested(`${name}${pascal(child.path.at(-1) ?? '')}`, child, into);
}

function collectNested(name: string, node: ValueNode, into: Declaration[]): void {
  if (hasShape(node)) collect(name, node, into);
  else if (node.items) collectNested(`${name}Item`, node.items, into);
  else if (node.values) collectNested(`${name}Value`, node.values, into);
}

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function renderInterface(declaration: Declaration): string {
  const { name, node, extendsName } = declaration;
  const members = node.properties.map((child) => {
    const key = child.path.at(-1) ?? '';
    // A null default is not materialised by the API server: such a field may be absent in a CR.
    const defaulted = child.default !== undefined && child.default.value !== null;
    const optional = child.required || defaulted ? '' : '?';
    const type = typeExpression(child, `${name}${pascal(key)}`);
    return `${withNewline(docComment(child, '  '))}  readonly ${propertyName(key)}${optional}: ${type};`;
  });
  if (node.open)
    members.push('  /** Other keys pass through unchecked. */\n  readonly [key: string]: unknown;');
  const heritage = extendsName ? ` extends ${extendsName}` : '';
  return `${withNewline(docComment(node, '', false))}export interface ${name}${heritage} {\n${members.join('\n')}\n}`;
}

export function typeExpression(node: ValueNode, name: string): string {
  const base = ((): string => {
    if (node.enum) return node.enum.map((v) => literal(v)).join(' | ');
    switch (node.kind) {
      case 'object':
        return hasShape(node) ? name : 'Record<string, never>';
      case 'map':
        return `Readonly<Record<string, ${node.values ? typeExpression(node.values, `${name}Value`) : 'unknown'}>>`;
      case 'openObject':
        return 'Readonly<Record<string, unknown>>';
      case 'array': {
        const item = node.items ? typeExpression(node.items, `${name}Item`) : 'unknown';
        return item.includes(' ') ? `readonly (${item})[]` : `readonly ${item}[]`;
      }
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'intOrString':
        return 'number | string';
    }
  })();
  return node.nullable ? `${base} | null` : base;
}

function literal(value: JsonValue): string {
  return typeof value === 'string'
    ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
    : JSON.stringify(value);
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `'${key}'`;
}

function docComment(node: ValueNode, indent: string, withDefault = true): string {
  const lines = wrap(node.description.replace(/\*\//g, '*\\/'), 96 - indent.length);
  if (withDefault && node.default)
    lines.push(`@default ${JSON.stringify(node.default.value).replace(/\*\//g, '*\\/')}`);
  if (lines.length === 0) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0] ?? ''} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join('\n');
}

function withNewline(comment: string): string {
  return comment === '' ? '' : `${comment}\n`;
}
