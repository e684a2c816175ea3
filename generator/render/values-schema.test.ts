import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.ts';
import { draft07, renderValuesSchema, schemaFor } from './values-schema.ts';
import { modelWith, realModel, repoRoot } from '../tests/sources.ts';
import { compileValuesSchema, schemaErrors } from '../tests/ajv.ts';

function onlyProperty(spec: JsonObject): JsonObject {
  const model = modelWith({ spec: { type: 'object', properties: { field: spec } } });
  const [node] = model.values.properties;
  if (!node) throw new Error('no property');
  return schemaFor(node);
}

describe('schemaFor (focused goldens)', () => {
  it('int-or-string: minimum on the integer branch, pattern on the string branch', () => {
    expect(
      onlyProperty({
        'x-kubernetes-int-or-string': true,
        description: 'Budget.',
        pattern: '^[0-9]+%$',
        minimum: 1,
        default: '25%',
      }),
    ).toEqual({
      description: 'Budget.',
      anyOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^[0-9]+%$' },
      ],
      default: '25%',
    });
  });

  it('nullable: a type list with null', () => {
    expect(
      onlyProperty({ type: 'string', nullable: true, default: null, description: 'd' }),
    ).toEqual({ description: 'd', type: ['string', 'null'], default: null });
  });

  it('nullable enum: null joins the enum', () => {
    expect(onlyProperty({ type: 'string', nullable: true, enum: ['a'], description: 'd' })).toEqual(
      {
        description: 'd',
        type: ['string', 'null'],
        enum: ['a', null],
      },
    );
  });

  it('objects with properties are closed; maps and preserve-unknown objects are open', () => {
    expect(
      onlyProperty({
        type: 'object',
        description: 'd',
        required: ['b'],
        properties: {
          b: { type: 'string', description: 'b' },
          labels: { type: 'object', description: 'l', additionalProperties: { type: 'string' } },
          extra: { type: 'object', description: 'e', 'x-kubernetes-preserve-unknown-fields': true },
          marker: { type: 'object', description: 'm', maxProperties: 0 },
        },
      }),
    ).toEqual({
      description: 'd',
      type: 'object',
      properties: {
        b: { description: 'b', type: 'string' },
        labels: { description: 'l', type: 'object', additionalProperties: { type: 'string' } },
        extra: { description: 'e', type: 'object' },
        marker: { description: 'm', type: 'object', maxProperties: 0, additionalProperties: false },
      },
      required: ['b'],
      additionalProperties: false,
    });
  });

  it('mutually exclusive booleans: if/then with the error on the fieldPath field', () => {
    const schema = onlyProperty({
      type: 'object',
      description: 'd',
      properties: {
        setPreload: { type: 'boolean', default: true, description: 's' },
        mountOnload: { type: 'boolean', default: false, description: 'm' },
      },
      'x-kubernetes-validations': [
        {
          rule: '!(self.setPreload && self.mountOnload)',
          message: 'exclusive',
          fieldPath: '.mountOnload',
        },
      ],
    });
    expect(schema).toMatchObject({
      $comment: 'exclusive',
      if: { properties: { setPreload: { const: true } } },
      then: { properties: { mountOnload: { const: false } } },
    });
    // setPreload defaults to true, so leaving it out still forbids mountOnload.
    expect(schema.if).not.toHaveProperty('required');
  });

  it('leaves out formats that draft-07 does not define', () => {
    expect(onlyProperty({ type: 'integer', format: 'int64', description: 'd' })).toEqual({
      description: 'd',
      type: 'integer',
    });
  });
});

const draft07Keywords = new Set([
  '$schema',
  '$comment',
  'title',
  'description',
  'type',
  'enum',
  'const',
  'default',
  'examples',
  'format',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'allOf',
  'if',
  'then',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/** Every keyword used in schema positions (not inside defaults, examples or property maps). */
function keywordsOf(schema: JsonValue, into = new Set<string>()): Set<string> {
  if (!isJsonObject(schema)) return into;
  for (const [key, value] of Object.entries(schema)) {
    into.add(key);
    if (key === 'properties' && isJsonObject(value)) {
      for (const sub of Object.values(value)) keywordsOf(sub, into);
    } else if (['items', 'additionalProperties', 'if', 'then'].includes(key)) {
      keywordsOf(value, into);
    } else if ((key === 'anyOf' || key === 'allOf') && Array.isArray(value)) {
      for (const sub of value) keywordsOf(sub, into);
    }
  }
  return into;
}

describe('the generated values.schema.json', () => {
  const schemaOf = async (): Promise<JsonObject> =>
    JSON.parse(renderValuesSchema(await realModel())) as JsonObject;

  /** values.yaml with the required examples filled in. */
  const completeValues = (): JsonObject => {
    const values = parse(
      readFileSync(join(repoRoot, 'charts/onload/values.yaml'), 'utf8'),
    ) as JsonObject;
    return {
      ...values,
      onload: {
        ...(values.onload as JsonObject),
        version: '8.1.2.26',
        userImage: 'docker.io/onload/onload-user:8.1.2.26-ubi8',
        kernelMappings: [{ regexp: '^.*$', kernelModuleImage: 'm:${KERNEL_FULL_VERSION}' }],
      },
    };
  };

  it('declares draft-07 and uses only draft-07 keywords, no $ref', async () => {
    const schema = await schemaOf();
    expect(schema.$schema).toBe(draft07);
    const unknown = [...keywordsOf(schema)].filter((k) => !draft07Keywords.has(k));
    expect(unknown).toEqual([]);
  });

  it('starts with a generated-file notice', async () => {
    const schema = await schemaOf();
    expect(Object.keys(schema).slice(0, 2)).toEqual(['$schema', '$comment']);
    expect(schema.$comment).toMatch(/Generated .* run `npm run generate`/);
  });

  it('accepts values.yaml plus the required values', async () => {
    const validate = compileValuesSchema(await schemaOf());
    expect(schemaErrors(validate, completeValues())).toEqual([]);
  });

  it('rejects values.yaml alone: the required onload values are missing', async () => {
    const validate = compileValuesSchema(await schemaOf());
    const values = parse(
      readFileSync(join(repoRoot, 'charts/onload/values.yaml'), 'utf8'),
    ) as unknown;
    expect(schemaErrors(validate, values).join('\n')).toMatch(
      /\/onload: must have required property 'version'/,
    );
  });

  it('rejects unknown keys at every object level, but lets global stay open', async () => {
    const validate = compileValuesSchema(await schemaOf());
    const base = completeValues();
    const withKey = (path: string[], key: string): JsonObject => {
      const copy = structuredClone(base);
      let target: JsonObject = copy;
      for (const step of path) target = target[step] as JsonObject;
      target[key] = 'x';
      return copy;
    };
    expect(schemaErrors(validate, withKey([], 'onloadd'))).not.toEqual([]);
    expect(schemaErrors(validate, withKey(['devicePlugin'], 'libMounthPath'))).not.toEqual([]);
    expect(schemaErrors(validate, withKey(['upgrade', 'timeouts'], 'evictSeconds'))).not.toEqual(
      [],
    );
    expect(schemaErrors(validate, withKey(['images', 'hooks'], 'pullpolicy'))).not.toEqual([]);
    expect(schemaErrors(validate, withKey(['global'], 'storageClass'))).toEqual([]);
  });

  it('rejects setPreload together with mountOnload at /devicePlugin/mountOnload', async () => {
    const validate = compileValuesSchema(await schemaOf());
    const values = completeValues();
    values.devicePlugin = { ...(values.devicePlugin as JsonObject), mountOnload: true };
    expect(schemaErrors(validate, values)).toContain(
      '/devicePlugin/mountOnload: must be equal to constant {"allowedValue":false}',
    );
    values.devicePlugin = { ...values.devicePlugin, setPreload: false };
    expect(schemaErrors(validate, values)).toEqual([]);
  });

  it('takes maxUnavailable as a positive count or a percentage up to 100%', async () => {
    const validate = compileValuesSchema(await schemaOf());
    const verdict = (maxUnavailable: JsonValue): boolean => {
      const values = completeValues();
      values.upgrade = { ...(values.upgrade as JsonObject), maxUnavailable };
      return schemaErrors(validate, values).length === 0;
    };
    expect([1, 3, '1%', '25%', '100%'].map(verdict)).toEqual([true, true, true, true, true]);
    expect([0, -1, '0%', '150%', '25', 'all', 2.5, null].map(verdict)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
