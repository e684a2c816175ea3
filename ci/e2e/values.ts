// Chart values for the test bed: complete Onload settings for a given version, with images that
// are never pulled (KWOK runs no containers; the runner maps our image's /app to dist/hooks).
import { stringify } from 'yaml';
import { writeProcessTempFile } from '../lib/process-tmp.ts';

export type Values = Record<string, unknown>;

/** Values for Onload `version`, merged over by `overrides` (objects merge, other values replace). */
export function onloadValues(version: string, overrides: Values = {}): Values {
  const base: Values = {
    onload: {
      version,
      userImage: `registry.example.com/onload/onload-user:${version}-ubi9`,
      imagePullPolicy: 'IfNotPresent',
      kernelMappings: [
        {
          regexp: String.raw`^.*\.x86_64$`,
          kernelModuleImage: `registry.example.com/onload/onload-module:${version}-\${KERNEL_FULL_VERSION}`,
        },
      ],
    },
    hooks: { logLevel: 'info' },
  };
  return merge(base, overrides);
}

function isObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function merge(base: Values, overrides: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** A values file in this process's temporary directory (ci/lib/process-tmp.ts). */
export function writeValuesFile(values: Values): Promise<string> {
  return writeProcessTempFile('values.yaml', stringify(values));
}
