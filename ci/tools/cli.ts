// npm run tools -- build [tool...]   builds missing tools (all by default)
// npm run tools -- status            lists tools, their cache paths and the cache size
import { progressTo } from '../lib/progress.ts';
import { binaryPath, cacheSizeBytes, ensureTools, toolsCacheDir } from './build.ts';
import { tools, type ToolName } from './catalog.ts';

const [command = 'status', ...rest] = process.argv.slice(2);
const names = Object.keys(tools) as ToolName[];

function isToolName(value: string): value is ToolName {
  return (names as string[]).includes(value);
}

if (command === 'build') {
  const unknown = rest.filter((n) => !isToolName(n));
  if (unknown.length > 0) {
    console.error(`unknown tool(s): ${unknown.join(', ')}; known: ${names.join(', ')}`);
    process.exit(2);
  }
  await ensureTools(rest.length > 0 ? rest.filter(isToolName) : names, progressTo('tools'));
} else if (command === 'status') {
  for (const name of names) {
    for (const binary of Object.values(tools[name].binaries)) {
      console.log(
        `${name.padEnd(13)} ${tools[name].version.padEnd(9)} ${binaryPath(name, binary)}`,
      );
    }
  }
  console.log(`cache ${toolsCacheDir()}: ${((await cacheSizeBytes()) / 1e6).toFixed(0)} MB`);
} else {
  console.error('usage: npm run tools -- build [tool...] | status');
  process.exit(2);
}
