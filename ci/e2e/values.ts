// Chart values for the test bed: complete Onload settings for a given version, with images that
// are never pulled (KWOK runs no containers; the runner maps our image's /app to dist/hooks).
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

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

let valuesDir: string | undefined;
let written = 0;

/** A values file in this process's one values directory, removed when the process exits. */
export async function writeValuesFile(values: Values): Promise<string> {
  if (valuesDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'onload-values-'));
    valuesDir = dir;
    process.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
  }
  written += 1;
  const file = join(valuesDir, `values-${written}.yaml`);
  await writeFile(file, stringify(values));
  return file;
}
