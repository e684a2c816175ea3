import { describe, expect, it } from '@jest/globals';
import { withModuleTolerations } from './crds.ts';

const pinnedModuleCrd = {
  spec: {
    versions: [
      {
        name: 'v1beta1',
        schema: {
          openAPIV3Schema: {
            properties: { spec: { properties: { selector: { type: 'object' } } } },
          },
        },
      },
    ],
  },
};

describe("the bed's newest KMM API", () => {
  it("adds KMM >= 2.3's Module tolerations, keeping the rest of the spec schema", () => {
    const properties = withModuleTolerations(pinnedModuleCrd).spec.versions[0]?.schema
      .openAPIV3Schema.properties.spec.properties as Record<string, unknown>;
    expect(Object.keys(properties).sort()).toEqual(['selector', 'tolerations']);
    expect(properties.tolerations).toMatchObject({
      type: 'array',
      items: { properties: { key: { type: 'string' }, effect: { type: 'string' } } },
    });
    expect(
      pinnedModuleCrd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties,
    ).not.toHaveProperty('tolerations');
  });
});
