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

// Static checks are independent and single-threaded: they run at once, each output shown when it
// ends. The test steps after them run one after the other.
const checks: Step[] = [
  { name: 'type check', command: ['tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'eslint', command: ['eslint', '--max-warnings=0', '.'] },
  { name: 'prettier', command: ['prettier', '--check', '.'] },
  { name: 'hook bundles', command: ['node', 'hooks/build.ts'] },
];

const generated: Step = {
  name: 'generated files are current',
  command: ['node', 'generator/main.ts', '--check'],
};

const steps: Step[] = [
  {
    name: 'unit and render tests',
    // Every core: the unit tests are CPU-bound (jest's default leaves one core idle).
    command: ['node', ...jest, '--selectProjects', 'unit', '--maxWorkers=100%', ...jestArgs],
  },
  {
    name: 'real-node host tests (a killed bed leaves nothing)',
    command: ['node', ...jest, '--selectProjects', 'host', '--runInBand', ...jestArgs],
  },
  {
    name: 'test-bed tests',
    command: ['node', ...jest, '--selectProjects', 'cluster', '--runInBand', ...jestArgs],
  },
  {
    name: 'e2e lifecycle and KMM contract against the real KMM manager',
    command: ['node', ...jest, '--selectProjects', 'kmm-manager', '--runInBand', ...jestArgs],
  },
];

function runStep(step: Step, capture = false): Promise<{ code: number; output: string }> {
  const [file = '', ...args] = step.command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: repoRoot,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, output });
    });
  });
}

function failed(step: Step, code: number): never {
  progress(`FAILED: ${step.name} (exit ${code}) after ${formatSeconds(Date.now() - started)}`);
  process.exit(code);
}

const started = Date.now();
await ensureTools(
  [
    'kubernetes',
    'kubelet',
    'etcd',
    'kwok',
    'helm3',
    'helm4',
    'chartTesting',
    'kmm',
    'argocd',
    'prometheus',
    'sccCheck',
  ],
  progressTo('tools'),
);
await ensurePythonTools(progressTo('tools'));
// The cluster tests run our pods on a real kubelet node: fail now, naming what this machine lacks.
await checkRealNodePrerequisites(progressTo('real node'));
progress(`${generated.name} ...`);
const generatedResult = await runStep(generated);
if (generatedResult.code !== 0) failed(generated, generatedResult.code);
progress(`${generated.name}: ok`);
const checksStarted = Date.now();
progress(`${checks.map((c) => c.name).join(', ')} (at once) ...`);
const results = await Promise.all(
  checks.map(async (step) => {
    const result = await runStep(step, true);
    if (result.output.trim()) process.stdout.write(`--- ${step.name}\n${result.output}`);
    return { step, ...result };
  }),
);
for (const { step, code } of results) if (code !== 0) failed(step, code);
progress(`static checks and hook bundles: ok (${formatSeconds(Date.now() - checksStarted)})`);
for (const step of steps) {
  const stepStarted = Date.now();
  progress(`${step.name} ...`);
  const { code } = await runStep(step);
  if (code !== 0) failed(step, code);
  progress(`${step.name}: ok (${formatSeconds(Date.now() - stepStarted)})`);
}
progress(`all checks passed in ${formatSeconds(Date.now() - started)}`);
