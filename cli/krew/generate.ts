// Writes the krew manifest of a published release (`npm run krew-manifest -- --uri <url>
// --archive <tar.gz>`, or --sha256 instead of --archive); --version defaults to the chart's.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chartVersion } from '../build.ts';
import { invalidInput, krewManifest } from './manifest.ts';

export const defaultManifest = join(import.meta.dirname, '..', '..', 'dist', 'krew', 'onload.yaml');

export async function generate(
  argv: readonly string[],
): Promise<{ code: number; message: string }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        uri: { type: 'string' },
        sha256: { type: 'string' },
        archive: { type: 'string' },
        version: { type: 'string' },
        homepage: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    }));
  } catch (e) {
    return { code: 2, message: `${(e as Error).message}: see cli/krew/generate.ts` };
  }
  if (values.uri === undefined)
    return { code: 2, message: '--uri <https URL of the release tar.gz> is required' };
  if ((values.sha256 === undefined) === (values.archive === undefined))
    return {
      code: 2,
      message: 'give one of --archive <the tar.gz> (its sha256 is computed) or --sha256 <hex>',
    };
  let sha256 = values.sha256 ?? '';
  if (values.archive !== undefined) {
    try {
      sha256 = createHash('sha256')
        .update(await readFile(values.archive))
        .digest('hex');
    } catch (e) {
      return {
        code: 2,
        message: `--archive: cannot read ${values.archive} (${(e as Error).message})`,
      };
    }
  }
  const inputs = {
    version: values.version ?? (await chartVersion()),
    uri: values.uri,
    sha256,
    ...(values.homepage !== undefined ? { homepage: values.homepage } : {}),
  };
  const invalid = invalidInput(inputs);
  if (invalid) return { code: 2, message: invalid };
  const out = values.output ?? defaultManifest;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, krewManifest(inputs));
  return { code: 0, message: `${out}: kubectl-onload ${inputs.version}, sha256 ${sha256}` };
}

if (import.meta.main) {
  const { code, message } = await generate(process.argv.slice(2));
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exitCode = code;
}
