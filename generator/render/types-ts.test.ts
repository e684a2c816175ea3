import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import ts from 'typescript';
import { typeExpression } from './types-ts.ts';
import { modelWith, repoRoot } from '../tests/sources.ts';
import { outputFiles } from '../sources.ts';

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(repoRoot, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  return ts.parseJsonConfigFileContent(read.config as object, ts.sys, repoRoot).options;
}

function diagnosticsOf(files: readonly string[]): string[] {
  const program = ts.createProgram(files, { ...compilerOptions(), noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName}:${String(d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1)}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('hooks/generated/onload-types.ts', () => {
  it('compiles under the project tsconfig, and the hooks can use it as intended', () => {
    const generated = join(repoRoot, outputFiles.types);
    const usage = join(repoRoot, 'generator/tests/types-usage.ts');
    expect(diagnosticsOf([generated, usage])).toEqual([]);
  }, 60_000);
});

describe('typeExpression', () => {
  const model = modelWith({
    spec: {
      type: 'object',
      properties: {
        labels: { type: 'object', description: 'l', additionalProperties: { type: 'string' } },
        budget: { 'x-kubernetes-int-or-string': true, description: 'b', nullable: true },
        names: { type: 'array', description: 'n', items: { type: 'string', enum: ['a', "it's"] } },
        extra: { type: 'object', description: 'e', 'x-kubernetes-preserve-unknown-fields': true },
        marker: { type: 'object', description: 'm' },
      },
    },
  });
  it.each([
    ['labels', 'Readonly<Record<string, string>>'],
    ['budget', 'number | string | null'],
    ['names', "readonly ('a' | 'it\\'s')[]"],
    ['extra', 'Readonly<Record<string, unknown>>'],
    ['marker', 'Record<string, never>'],
  ])('%s → %s', (key, expected) => {
    const node = model.values.properties.find((p) => p.path[0] === key);
    if (!node) throw new Error(`no ${key}`);
    expect(typeExpression(node, 'X')).toBe(expected);
  });
});
