// The generator's pure core: parsed sources in, generated files out.
import { buildModel } from './stages/model.ts';
import { normalise } from './stages/normalise.ts';
import type { Sources } from './stages/read.ts';
import { renderAll, type GeneratedFile } from './stages/render.ts';

export function generate(sources: Sources): GeneratedFile[] {
  return renderAll(buildModel(normalise(sources)));
}
