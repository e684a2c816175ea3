// Builds small in-memory generator inputs for unit tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../json.ts';
import { buildModel, type Model } from '../stages/model.ts';
import { normalise } from '../stages/normalise.ts';
import { readSources, type Sources } from '../stages/read.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');

const template = readFileSync(join(repoRoot, 'generator/templates/values-table.md.hbs'), 'utf8');

/** A CRD whose spec and status schemas are the given ones. */
export function crdWith(spec: JsonObject, status: JsonObject = { type: 'object' }): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Thing', plural: 'things' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: 'object', properties: { spec, status } },
          },
        },
      ],
    },
  };
}

export function sourcesWith(options: {
  spec: JsonObject;
  chart?: JsonObject;
  status?: JsonObject;
  readme?: string;
}): Sources {
  return {
    crd: crdWith(options.spec, options.status),
    chartValues: options.chart ?? { type: 'object', properties: {} },
    valuesTableTemplate: template,
    readme: options.readme,
  };
}

export function modelWith(options: Parameters<typeof sourcesWith>[0]): Model {
  return buildModel(normalise(sourcesWith(options)));
}

/** The model of the project's real schema files. */
export async function realModel(): Promise<Model> {
  return buildModel(normalise(await readSources(repoRoot)));
}
