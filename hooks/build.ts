// Bundles each hook entry point (hooks/src/entry/<entry>.ts) into one self-contained ESM file,
// dist/hooks/<entry>.mjs, for the hooks image (`node /app/<entry>.mjs`). `npm run build`.
import { build, type BuildOptions } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { entryPoints } from './src/contract.ts';

const root = join(import.meta.dirname, '..');
export const defaultOutdir = join(root, 'dist', 'hooks');

// Some dependencies of @kubernetes/client-node are CommonJS and call require() for Node
// built-ins; an ESM bundle has no require, so give it one.
export const requireBanner = [
  "import { createRequire as __onloadCreateRequire } from 'node:module';",
  'const require = __onloadCreateRequire(import.meta.url);',
];

/** How this repository bundles a Node.js 24 program into one self-contained ESM file. */
export const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  // ASCII-only output: V8 keeps a source with any non-Latin-1 character as a two-byte string.
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  logLevel: 'warning',
} as const satisfies BuildOptions;

export async function buildHooks(
  outdir = defaultOutdir,
  log: (line: string) => void = console.log,
): Promise<string[]> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const outputs: string[] = [];
  for (const entry of entryPoints) {
    const outfile = join(outdir, `${entry}.mjs`);
    const result = await build({
      entryPoints: [join(root, 'hooks', 'src', 'entry', `${entry}.ts`)],
      outfile,
      ...nodeBundle,
      banner: { js: requireBanner.join('\n') },
      metafile: true,
    });
    const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    log(`${relative(root, outfile)} ${(bytes / 1024).toFixed(0)} KiB`);
    outputs.push(outfile);
  }
  return outputs;
}

if (import.meta.main) await buildHooks();
