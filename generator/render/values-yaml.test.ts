import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { JsonObject, JsonValue } from '../json.ts';
import type { ValueNode } from '../stages/model.ts';
import { renderEntry, renderValuesYaml } from './values-yaml.ts';
import { renderValuesSchema } from './values-schema.ts';
import { compileValuesSchema, schemaErrors } from '../tests/ajv.ts';
import { modelWith, realModel } from '../tests/sources.ts';

/** What Helm sees from values.yaml: every default, objects built from their children. */
function defaultsOf(node: ValueNode, isRoot = false): JsonValue | undefined {
  const present = isRoot || node.default !== undefined || node.required;
  if (node.kind === 'object' && node.properties.length > 0 && present) {
    const result: JsonObject = {};
    for (const child of node.properties) {
      const value = defaultsOf(child);
      if (value !== undefined) result[child.path.at(-1) ?? ''] = value;
    }
    return result;
  }
  return node.default?.value;
}

/** Lines that are commented-out YAML (the uncommented text parses as YAML). */
function uncomment(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/^(\s*)# /, '$1')).join('\n');
}

describe('renderValuesYaml', () => {
  it('sets every default, and nothing else', async () => {
    const model = await realModel();
    const parsed = parse(renderValuesYaml(model)) as JsonObject;
    expect(parsed).toEqual(defaultsOf(model.values, true));
  });

  it('shows required values without default commented out with their example', async () => {
    const text = renderValuesYaml(await realModel());
    expect(text).toContain('\n  # version: 8.1.2.26\n');
    expect(text).toContain('\n  # userImage: docker.io/onload/onload-user:8.1.2.26-ubi8\n');
    expect(text).toContain(
      [
        '  # kernelMappings:',
        '  #   - regexp: ^.*\\.x86_64$',
        '  #     kernelModuleImage: registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
      ].join('\n'),
    );
    expect(text).toContain(
      '# Values you must set (no default): onload.version, onload.userImage, onload.kernelMappings.\n',
    );
  });

  it('keeps null defaults', async () => {
    const parsed = parse(renderValuesYaml(await realModel())) as { sfptpd: JsonObject };
    expect(parsed.sfptpd.image).toBeNull();
  });

  it('has commented-out required examples that make valid values once uncommented', async () => {
    const model = await realModel();
    const lines = renderValuesYaml(model).split('\n');
    const keys = ['version', 'userImage', 'kernelMappings'];
    let inExample = false;
    const edited = lines.map((line) => {
      const start = keys.some((k) => line.startsWith(`  # ${k}:`));
      inExample = start || (inExample && line.startsWith('  #   '));
      return inExample ? line.replace('  # ', '  ') : line;
    });
    const values = parse(edited.join('\n')) as JsonObject;
    expect(values.onload).toMatchObject({
      version: '8.1.2.26',
      kernelMappings: [
        {
          regexp: '^.*\\.x86_64$',
          kernelModuleImage:
            'registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
        },
      ],
    });
    const validate = compileValuesSchema(JSON.parse(renderValuesSchema(model)) as JsonObject);
    expect(schemaErrors(validate, values)).toEqual([]);
  });

  it('puts a wrapped description comment above every key', () => {
    const model = modelWith({
      spec: {
        type: 'object',
        properties: {
          policy: {
            type: 'string',
            enum: ['Stop', 'Continue'],
            default: 'Stop',
            description: 'What a failure does. '.repeat(8),
          },
        },
      },
    });
    const [node] = model.values.properties;
    if (!node) throw new Error('no node');
    const lines = renderEntry(node, 2);
    expect(lines.at(-1)).toBe('  policy: Stop');
    expect(lines.slice(0, -1).every((l) => l.startsWith('  # ') && l.length <= 100)).toBe(true);
    expect(lines.map((l) => l.replace(/^ *# /, '')).join(' ')).toContain('One of: Stop, Continue.');
  });

  it('shows optional keys without a default as commented-out YAML of the right shape', () => {
    const model = modelWith({
      spec: {
        type: 'object',
        properties: {
          pull: { type: 'string', enum: ['Always', 'Never'], description: 'p' },
          args: { type: 'array', items: { type: 'string' }, description: 'a' },
          budget: { 'x-kubernetes-int-or-string': true, minimum: 1, description: 'b' },
        },
      },
    });
    const text = model.values.properties.flatMap((n) => renderEntry(n, 0));
    expect(text.filter((l) => !l.startsWith('# ') || /^# \w+:/.test(l))).toEqual([
      '# pull: Always',
      '# args: []',
      '# budget: 1',
    ]);
  });

  it('writes an object whose children are all commented out as {}', () => {
    const model = modelWith({
      spec: {
        type: 'object',
        properties: {
          box: {
            type: 'object',
            default: {},
            description: 'b',
            properties: { pull: { type: 'string', description: 'p', 'x-docs-example': 'x' } },
          },
        },
      },
    });
    const [node] = model.values.properties;
    if (!node) throw new Error('no node');
    const lines = renderEntry(node, 0);
    expect(lines).toEqual(['# b.', 'box: {}', '  # p.', '  # pull: x']);
    expect(parse(lines.join('\n'))).toEqual({ box: {} });
    expect(parse(uncomment(lines.slice(3)))).toEqual({ pull: 'x' });
  });

  it("is YAML that chart-testing's yamllint rules accept", async () => {
    const text = renderValuesYaml(await realModel());
    const lines = text.split('\n');
    expect(text.startsWith('---')).toBe(false);
    expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
    expect(lines.filter((l) => /\s$/.test(l))).toEqual([]);
    expect(lines.filter((l) => /\t/.test(l))).toEqual([]);
    const indentOf = (l: string): number => l.length - l.trimStart().length;
    expect(lines.filter((l) => indentOf(l) % 2 !== 0)).toEqual([]);
    // comments need a space after '#' (an empty '#' line is fine)
    expect(lines.filter((l) => /^\s*#[^ ]/.test(l))).toEqual([]);
    expect(text).not.toMatch(/\n\n\n\n/);
  });
});
