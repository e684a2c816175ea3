// Bundles the plugin into one executable file, dist/kubectl-onload (`npm run build:cli`):
// ESM with a node shebang, mode 0755, the chart's version built in.
import { build } from 'esbuild';
import { nodeBundle, requireBanner } from '../hooks/build.ts';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { minimumNode } from './node-version.ts';

const root = join(import.meta.dirname, '..');
export const defaultOutfile = join(root, 'dist', 'kubectl-onload');

// The Node.js version is checked before any bundled module starts (older ones fail with a stack
// trace).
const banner = [
  '#!/usr/bin/env node',
  ...requireBanner,
  `if (Number(process.versions.node.split('.')[0]) < ${minimumNode}) {`,
  `  process.stderr.write(\`error: kubectl-onload needs Node.js >= ${minimumNode}, this is \${process.version}: put a Node.js ${minimumNode} first on PATH\\n\`);`,
  '  process.exit(1);',
  '}',
].join('\n');

export async function chartVersion(): Promise<string> {
  const chart = parse(await readFile(join(root, 'charts', 'onload', 'Chart.yaml'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof chart.version !== 'string') throw new Error('charts/onload/Chart.yaml has no version');
  return chart.version;
}

export async function buildCli(
  outfile = defaultOutfile,
  log: (line: string) => void = console.log,
): Promise<string> {
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(root, 'cli', 'main.ts')],
    outfile,
    ...nodeBundle,
    banner: { js: banner },
    define: { ONLOAD_CLI_VERSION: JSON.stringify(await chartVersion()) },
  });
  await chmod(outfile, 0o755);
  log(`${relative(root, outfile)} ${((await stat(outfile)).size / 1024).toFixed(0)} KiB`);
  return outfile;
}

if (import.meta.main) await buildCli();
