// `npm run generate` writes every file derived from schema/; `npm run generate -- --check` writes
// nothing and exits non-zero listing each generated file that is missing or out of date.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from './pipeline.ts';
import { readSources } from './stages/read.ts';
import { readCurrent, staleFiles, writeChanged } from './stages/write.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      // Another checkout or a test's scratch copy; defaults to this repository.
      root: { type: 'string', default: join(import.meta.dirname, '..') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run generate [-- --check] [-- --root <repository>]');
    return 0;
  }
  const root = values.root;
  const files = generate(await readSources(root));
  if (values.check) {
    const stale = staleFiles(files, await readCurrent(root, files));
    for (const file of stale) console.error(`${file.reason}: ${file.path}`);
    if (stale.length > 0) {
      console.error(`${stale.length} generated file(s) out of date: run npm run generate`);
      return 1;
    }
    console.log(`all ${files.length} generated files are up to date`);
    return 0;
  }
  const written = await writeChanged(root, files);
  for (const path of written) console.log(`wrote ${path}`);
  console.log(`${written.length} of ${files.length} generated files changed`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
