// `npm test`: every check CI runs, in order, failing fast with the failing step named.
// Extra arguments are passed to both jest runs (e.g. `npm test -- -t labeller`).
import { spawn } from 'node:child_process';
import { formatSeconds, progressTo } from './lib/progress.ts';
import { repoRoot } from './lib/helm.ts';
import { checkRealNodePrerequisites } from './testbed/realnode/prerequisites.ts';
import { ensureTools } from './tools/build.ts';
import { ensurePythonTools } from './tools/python-tools.ts';

const progress = progressTo('test');
const jestArgs = process.argv.slice(2);
const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];

interface Step {
  readonly name: string;
  readonly command: readonly string[];
}

const steps: Step[] = [
  { name: 'generated files are current', command: ['node', 'generator/main.ts', '--check'] },
  { name: 'type check', command: ['tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'eslint', command: ['eslint', '--max-warnings=0', '.'] },
  { name: 'prettier', command: ['prettier', '--check', '.'] },
  { name: 'hook bundles', command: ['node', 'hooks/build.ts'] },
  {
    name: 'unit and render tests',
    command: ['node', ...jest, '--selectProjects', 'unit', ...jestArgs],
  },
  {
    name: 'real-node host tests (a killed bed leaves nothing)',
    command: ['node', ...jest, '--selectProjects', 'host', '--runInBand', ...jestArgs],
  },
  {
    name: 'test-bed tests',
    command: ['node', ...jest, '--selectProjects', 'cluster', '--runInBand', ...jestArgs],
  },
];

function runStep(step: Step): Promise<number> {
  const [file = '', ...args] = step.command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
}

const started = Date.now();
await ensureTools(
  ['kubernetes', 'kubelet', 'etcd', 'kwok', 'helm3', 'helm4', 'chartTesting'],
  progressTo('tools'),
);
await ensurePythonTools(progressTo('tools'));
// The cluster tests run our pods on a real kubelet node: fail now, naming what this machine lacks.
await checkRealNodePrerequisites(progressTo('real node'));
for (const step of steps) {
  const stepStarted = Date.now();
  progress(`${step.name} ...`);
  const code = await runStep(step);
  if (code !== 0) {
    progress(`FAILED: ${step.name} (exit ${code}) after ${formatSeconds(Date.now() - started)}`);
    process.exit(code);
  }
  progress(`${step.name}: ok (${formatSeconds(Date.now() - stepStarted)})`);
}
progress(`all checks passed in ${formatSeconds(Date.now() - started)}`);
