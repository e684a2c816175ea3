// The README's values table: the region between the markers, rendered with
// generator/templates/values-table.md.hbs. The rest of the README is written by hand.
import Handlebars from 'handlebars';
import type { JsonValue } from '../json.ts';
import { describeType, displayPath, type Model, type ValueNode } from '../stages/model.ts';
import { generatedNotice } from './header.ts';
import { sentence } from './text.ts';

export const beginMarker = '<!-- BEGIN GENERATED VALUES TABLE -->';
export const endMarker = '<!-- END GENERATED VALUES TABLE -->';

export interface TableRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

export function tableRows(model: Model): TableRow[] {
  return model.entries.map((node) => ({
    key: displayPath(node.path),
    type: cell(describeType(node)),
    default: defaultCell(node),
    description: cell(descriptionCell(node)),
  }));
}

export function renderValuesTable(model: Model): string {
  // Markdown, not HTML: cells are escaped for tables by `cell` instead.
  const template = Handlebars.compile(model.valuesTableTemplate, { noEscape: true, strict: true });
  const notice = generatedNotice([...model.sourceFiles, 'generator/templates/values-table.md.hbs']);
  return template({ notice: notice.join(' '), rows: tableRows(model) }).trimEnd();
}

/** Replaces the generated region of the README, creating a minimal README when there is none. */
export function renderReadme(model: Model): string {
  const region = `${beginMarker}\n${renderValuesTable(model)}\n${endMarker}`;
  const current = model.readme ?? `# onload\n\n## Values\n\n${beginMarker}\n${endMarker}\n`;
  const begin = current.indexOf(beginMarker);
  const end = current.indexOf(endMarker);
  if (begin < 0 || end < begin) {
    throw new Error(
      `charts/onload/README.md must contain "${beginMarker}" followed by "${endMarker}"; add them where the values table belongs`,
    );
  }
  return current.slice(0, begin) + region + current.slice(end + endMarker.length);
}

function defaultCell(node: ValueNode): string {
  if (node.default) return cell(inlineCode(JSON.stringify(node.default.value)));
  return node.required ? 'required' : '';
}

function descriptionCell(node: ValueNode): string {
  const parts = [sentence(node.description)];
  if (node.enum) parts.push(`One of ${node.enum.map((v) => inlineCode(json(v))).join(', ')}.`);
  if (node.example && !node.default) {
    parts.push(`Example: ${inlineCode(json(node.example.value))}.`);
  }
  return parts.join(' ');
}

function json(value: JsonValue): string {
  return JSON.stringify(value);
}

/** Backticks inside inline code need a longer fence. */
function inlineCode(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Table cells: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}
