// The kubectl-onload executable (bundled to dist/kubectl-onload): kubectl runs it for
// `kubectl onload ...`.
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';
import { openSession } from './session.ts';

const code = await runCli(process.argv.slice(2), commands, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  session: openSession,
  now: Date.now,
});
await new Promise<void>((resolve) => {
  process.stdout.write('', () => {
    resolve();
  });
});
process.exit(code);
