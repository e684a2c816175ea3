import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../json.ts';
import { CelTranslationError, translateRule } from './cel.ts';
import { normalise, type SchemaNode } from './normalise.ts';
import { sourcesWith } from '../tests/sources.ts';

function pluginNode(extra: JsonObject = {}): SchemaNode {
  const spec = normalise(
    sourcesWith({
      spec: {
        type: 'object',
        properties: {
          plugin: {
            type: 'object',
            properties: {
              setPreload: { type: 'boolean', default: true },
              mountOnload: { type: 'boolean', default: false },
              path: { type: 'string' },
              ...extra,
            },
          },
        },
      },
    }),
  ).spec;
  const plugin = spec.properties?.plugin;
  if (!plugin) throw new Error('fixture has no plugin');
  return plugin;
}

describe('translateRule', () => {
  it('translates "not both" on two boolean fields, whatever the spacing', () => {
    for (const rule of [
      '!(self.setPreload && self.mountOnload)',
      '!( self.setPreload&&self.mountOnload )',
    ]) {
      expect(translateRule({ rule, message: 'exclusive' }, pluginNode())).toEqual({
        kind: 'mutuallyExclusive',
        fields: ['setPreload', 'mountOnload'],
        errorField: 'mountOnload',
        message: 'exclusive',
      });
    }
  });

  it('points the error at the CEL fieldPath', () => {
    const rule = { rule: '!(self.mountOnload && self.setPreload)', fieldPath: '.mountOnload' };
    expect(translateRule(rule, pluginNode()).errorField).toBe('mountOnload');
  });

  it('fails clearly on a rule it cannot translate', () => {
    const translate = (): unknown =>
      translateRule({ rule: 'self.path.startsWith("/")' }, pluginNode());
    expect(translate).toThrow(CelTranslationError);
    expect(translate).toThrow(
      /at spec\.plugin: cannot translate x-kubernetes-validations rule "self\.path\.startsWith\("\/"\)".*generator\/stages\/cel\.ts/,
    );
  });

  it('fails when the rule names a field that is not a boolean property', () => {
    expect(() => translateRule({ rule: '!(self.setPreload && self.path)' }, pluginNode())).toThrow(
      /names self\.path, which is not a boolean property/,
    );
  });

  it('fails on a fieldPath it cannot point at', () => {
    const rule = { rule: '!(self.setPreload && self.mountOnload)', fieldPath: '.a.b' };
    expect(() => translateRule(rule, pluginNode())).toThrow(/fieldPath "\.a\.b"/);
  });
});
