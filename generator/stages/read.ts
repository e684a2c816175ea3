// Stage 1 (IO): read the schema sources, the README template and the current README.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { outputFiles, sourceFiles } from '../sources.ts';

export interface Sources {
  /** The Onload CRD document (schema/onload-crd.yaml), parsed. */
  readonly crd: unknown;
  /** The chart-only values schema (schema/chart-values.yaml), parsed. */
  readonly chartValues: unknown;
  /** Handlebars template of the README values table. */
  readonly valuesTableTemplate: string;
  /** The chart README as it is now; undefined when it does not exist yet. */
  readonly readme: string | undefined;
}

export async function readSources(root: string): Promise<Sources> {
  const [crd, chartValues, valuesTableTemplate, readme] = await Promise.all([
    readYamlFile(root, sourceFiles.crd),
    readYamlFile(root, sourceFiles.chartValues),
    readFile(join(root, sourceFiles.valuesTableTemplate), 'utf8'),
    readOptional(join(root, outputFiles.readme)),
  ]);
  return { crd, chartValues, valuesTableTemplate, readme };
}

async function readYamlFile(root: string, path: string): Promise<unknown> {
  const text = await readFile(join(root, path), 'utf8');
  try {
    return parse(text, { strict: true, uniqueKeys: true }) as unknown;
  } catch (error) {
    throw new Error(`${path}: not valid YAML: ${(error as Error).message}`, { cause: error });
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
