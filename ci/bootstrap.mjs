// Runs before `npm test`, `npm run demo` and `npm run bench`, possibly on the machine's own
// (older) Node.js: installs the locked npm dependencies, which include Node.js 24 itself, when
// node_modules is missing or was installed from a different package-lock.json.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');
const stamp = join(root, 'node_modules', '.onload-lock-hash');
const bundledNode = join(root, 'node_modules', '.bin', 'node');

const installed = existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash;
if (!installed || !existsSync(bundledNode)) {
  console.log('[bootstrap] installing npm dependencies (npm ci), including Node.js 24 ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, lockHash);
}
const version = execFileSync(bundledNode, ['--version'], { encoding: 'utf8' }).trim();
if (!/^v24\./.test(version)) {
  console.error(`[bootstrap] expected Node.js 24 in node_modules/.bin/node, found ${version}`);
  process.exit(1);
}
