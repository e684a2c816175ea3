import { describe, expect, it } from '@jest/globals';
import { describeType, displayPath, ModelError } from './model.ts';
import { modelWith, realModel } from '../tests/sources.ts';

describe('buildModel', () => {
  it('puts spec keys first, then chart-only keys, each in source order', async () => {
    const model = await realModel();
    expect(model.specKeys).toEqual([
      'onload',
      'devicePlugin',
      'selector',
      'serviceAccountName',
      'sfc',
      'machineConfig',
      'sfptpd',
      'upgrade',
    ]);
    expect(model.chartKeys[0]).toBe('global');
    expect(model.values.properties.map((p) => p.path[0])).toEqual([
      ...model.specKeys,
      ...model.chartKeys,
    ]);
    expect(model.values.properties.map((p) => p.scope)).toEqual([
      ...model.specKeys.map(() => 'spec'),
      ...model.chartKeys.map(() => 'chart'),
    ]);
  });

  it('classifies maps, open objects, int-or-string and objects that stay open', () => {
    const model = modelWith({
      spec: {
        type: 'object',
        required: ['labels'],
        properties: {
          labels: { type: 'object', description: 'l', additionalProperties: { type: 'string' } },
          extra: { type: 'object', description: 'e', 'x-kubernetes-preserve-unknown-fields': true },
          budget: { 'x-kubernetes-int-or-string': true, description: 'b' },
          shared: {
            type: 'object',
            description: 's',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: { registry: { type: 'string', description: 'r' } },
          },
        },
      },
    });
    const [labels, extra, budget, shared] = model.values.properties;
    expect(labels).toMatchObject({ kind: 'map', required: true, values: { kind: 'string' } });
    expect(extra).toMatchObject({ kind: 'openObject', required: false });
    expect(budget).toMatchObject({ kind: 'intOrString' });
    expect(shared).toMatchObject({ kind: 'object', open: true });
  });

  it('lists every value depth first, array item fields included', async () => {
    const model = await realModel();
    const paths = model.entries.map((e) => displayPath(e.path));
    expect(paths.slice(0, 6)).toEqual([
      'onload',
      'onload.version',
      'onload.userImage',
      'onload.kernelMappings',
      'onload.kernelMappings[].regexp',
      'onload.kernelMappings[].kernelModuleImage',
    ]);
    expect(paths).toContain('onload.kernelMappings[].build.buildArgs[].name');
    expect(paths).toContain('upgrade.timeouts.installSeconds');
    expect(paths).toContain('labeller.resources');
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('marks required values from the source', async () => {
    const model = await realModel();
    const required = model.entries.filter((e) => e.required).map((e) => displayPath(e.path));
    expect(required).toEqual(
      expect.arrayContaining([
        'onload',
        'devicePlugin',
        'selector',
        'serviceAccountName',
        'onload.version',
        'onload.userImage',
        'onload.kernelMappings',
        'onload.kernelMappings[].regexp',
        'onload.kernelMappings[].build.dockerfileConfigMap',
        'onload.kernelMappings[].build.buildArgs[].value',
      ]),
    );
    expect(required).not.toContain('sfc');
  });

  it('translates the devicePlugin CEL rule', async () => {
    const model = await realModel();
    const devicePlugin = model.values.properties.find((p) => p.path[0] === 'devicePlugin');
    expect(devicePlugin?.rules).toEqual([
      expect.objectContaining({
        kind: 'mutuallyExclusive',
        fields: ['setPreload', 'mountOnload'],
        errorField: 'mountOnload',
      }),
    ]);
  });

  it('refuses values without a description, naming each by path', () => {
    const build = (): unknown =>
      modelWith({
        spec: {
          type: 'object',
          properties: {
            a: {
              type: 'object',
              description: 'a',
              properties: { b: { type: 'string' }, c: { type: 'integer' } },
            },
          },
        },
      });
    expect(build).toThrow(ModelError);
    expect(build).toThrow(/no description .*: a\.b, a\.c$/);
  });

  it('fails on CEL rules it cannot translate', () => {
    expect(() =>
      modelWith({
        spec: {
          type: 'object',
          'x-kubernetes-validations': [{ rule: 'self.a.size() > 2' }],
          properties: { a: { type: 'string', description: 'a' } },
        },
      }),
    ).toThrow(/cannot translate x-kubernetes-validations rule "self\.a\.size\(\) > 2"/);
  });
});

describe('describeType', () => {
  it('names types for the documentation', async () => {
    const model = await realModel();
    const typeOf = (path: string): string => {
      const entry = model.entries.find((e) => displayPath(e.path) === path);
      if (!entry) throw new Error(`no entry ${path}`);
      return describeType(entry);
    };
    expect(typeOf('selector')).toBe('map of string');
    expect(typeOf('onload.kernelMappings')).toBe('list of object');
    expect(typeOf('upgrade.maxUnavailable')).toBe('integer or string');
    expect(typeOf('sfptpd.image')).toBe('string or null');
    expect(typeOf('hooks.resources')).toBe('object');
  });
});
