// ONLOAD_MODULE_LOADERS: each KMM Module's spec.moduleLoader as this release renders it, by Module
// name (the chart's onload.moduleLoadersJson), for the pre hook to compare with the live Modules.
import type { LoaderSpec } from '../kube/port.ts';
import { ConfigError } from './errors.ts';

export type ModuleLoaders = Readonly<Record<string, LoaderSpec>>;

export function parseModuleLoaders(text: string, source: string): ModuleLoaders {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(value) || !Object.values(value).every(isObject))
    throw new ConfigError(
      `${source} must be a JSON object of Module name to spec.moduleLoader: re-render the chart`,
    );
  return value as ModuleLoaders;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
