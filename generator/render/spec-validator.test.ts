import { describe, expect, it } from '@jest/globals';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelWith } from '../tests/sources.ts';
import { expectations, hookSpecNode, renderSpecValidator } from './spec-validator.ts';

const model = modelWith({
  spec: {
    type: 'object',
    required: ['version'],
    properties: {
      version: {
        type: 'string',
        description: 'v',
        pattern: '^[a-z0-9.]+$',
        'x-docs-pattern': 'a version',
      },
      policy: { type: 'string', description: 'p', enum: ['Stop', 'Continue'], default: 'Stop' },
      budget: {
        'x-kubernetes-int-or-string': true,
        description: 'b',
        minimum: 1,
        pattern: '^[0-9]+%$',
        'x-docs-pattern': 'a percentage',
        default: '25%',
      },
      image: { type: 'string', description: 'i', nullable: true, default: null },
      labels: {
        type: 'object',
        description: 'l',
        additionalProperties: { type: 'string', description: 'value' },
        default: {},
      },
    },
  },
  chart: {
    type: 'object',
    properties: { replicas: { type: 'integer', description: 'r', minimum: 0, default: 1 } },
  },
});

/** Loads the rendered module the way the hooks do (an ES module). */
async function load(): Promise<{
  validate: ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string }[] };
}> {
  const dir = await mkdtemp(join(tmpdir(), 'spec-validator-'));
  try {
    const file = join(dir, 'validator.mjs');
    await writeFile(file, renderSpecValidator(model).replace('// @ts-nocheck', ''));
    return (await import(file)) as Awaited<ReturnType<typeof load>>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('hooks/generated/spec-validator.ts', () => {
  it('describes what each spec field accepts, chart-only settings left out', () => {
    expect(expectations(hookSpecNode(model))).toEqual({
      version: 'a version',
      policy: '"Stop" or "Continue"',
      budget: 'an integer >= 1 or a percentage',
      image: 'a string or null',
      labels: 'a map of strings',
      'labels.*': 'a string',
    });
  });

  it('fills a field left out with its default, and still names wrong and unknown fields', async () => {
    const { validate } = await load();
    const good = { version: '1.2', policy: 'Continue', budget: 2, labels: {} };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, image: null, budget: '30%' })).toBe(true);
    const withoutPolicy: Partial<typeof good> = { ...good };
    delete withoutPolicy.policy;
    expect(validate(withoutPolicy)).toBe(true);
    expect(withoutPolicy.policy).toBe('Stop');
    const withoutVersion: Partial<typeof good> = { ...good };
    delete withoutVersion.version;
    expect(validate(withoutVersion)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['required']);
    expect(validate({ ...good, version: 'A B', replicas: 1 })).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      ' additionalProperties',
      '/version pattern',
    ]);
  });

  it('needs no runtime module (the hooks bundle has no require)', () => {
    expect(renderSpecValidator(model)).not.toContain('require(');
  });
});
