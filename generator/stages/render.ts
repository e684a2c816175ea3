// Stage 4 (pure): every generated file's path and content, from the model.
import { renderCrd } from '../render/crd.ts';
import { renderReadme } from '../render/readme-table.ts';
import { renderSpecHelper } from '../render/spec-tpl.ts';
import { renderSpecValidator } from '../render/spec-validator.ts';
import { renderTypes } from '../render/types-ts.ts';
import { renderValuesSchema } from '../render/values-schema.ts';
import { renderValuesYaml } from '../render/values-yaml.ts';
import { outputFiles, type OutputName } from '../sources.ts';
import type { Model } from './model.ts';

export interface GeneratedFile {
  readonly name: OutputName;
  /** Relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

const renderers: Readonly<Record<OutputName, (model: Model) => string>> = {
  valuesSchema: renderValuesSchema,
  valuesYaml: renderValuesYaml,
  readme: renderReadme,
  crd: renderCrd,
  types: renderTypes,
  specHelper: renderSpecHelper,
  specValidator: renderSpecValidator,
};

export function renderAll(model: Model): GeneratedFile[] {
  return (Object.keys(outputFiles) as OutputName[]).map((name) => ({
    name,
    path: outputFiles[name],
    content: renderers[name](model),
  }));
}
