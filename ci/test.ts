// `npm test`: every check CI runs, in order, failing fast with the failing step named (the
// test-bed lanes run side by side: a failing lane ends the run once the other lane has ended).
// Extra arguments are passed to every jest run (e.g. `npm test -- -t labeller`).
import { spawn } from 'node:child_process';
import { formatSeconds, progressTo } from './lib/progress.ts';
import { createRunTmpdir } from './lib/run-tmpdir.ts';
import { repoRoot } from './lib/helm.ts';
import { checkRealNodePrerequisites } from './testbed/realnode/prerequisites.ts';
import { ensureTroubleshootingFixtureImage } from './image/fixture-image.ts';
import { ensureHooksImage } from './image/hooks-image.ts';
import { ensureTools } from './tools/build.ts';
import { ensurePythonTools } from './tools/python-tools.ts';

const progress = progressTo('test');
const jestArgs = process.argv.slice(2);
const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];

interface Step {
  readonly name: string;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
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
];

// The test-bed suites mostly wait on the cluster, so two beds (each with its own real node) run
// at once (jest.config.js, ONLOAD_CLUSTER_LANE): most of the `cluster` project's suites in one lane;
// in the other, the e2e lifecycle against the real KMM manager (`kmm-manager`), then the rest of
// `cluster` (the e2e lifecycle against the KMM stand-in, Helm 4, metrics).
const clusterJest = ['node', ...jest, '--selectProjects', 'cluster', '--runInBand', ...jestArgs];
const bedLanes: { readonly tag: string; readonly steps: readonly Step[] }[] = [
  {
    tag: '',
    steps: [{ name: 'test-bed tests', command: clusterJest, env: { ONLOAD_CLUSTER_LANE: '1' } }],
  },
  {
    tag: '[lane 2] ',
    steps: [
      {
        name: 'e2e lifecycle and KMM contract against the real KMM manager',
        command: ['node', ...jest, '--selectProjects', 'kmm-manager', '--runInBand', ...jestArgs],
      },
      {
        name: 'e2e lifecycle against the KMM stand-in, Helm 4, metrics',
        command: clusterJest,
        env: { ONLOAD_CLUSTER_LANE: '2' },
      },
    ],
  },
];

/** Copies a child's output to ours line by line, each line prefixed with `tag`. */
function tagLines(tag: string, out: NodeJS.WritableStream): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) out.write(`${tag}${line}\n`);
  };
}

function runStep(
  step: Step,
  output: 'inherit' | 'capture' | { tag: string } = 'inherit',
): Promise<{ code: number; output: string }> {
  const [file = '', ...args] = step.command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: repoRoot,
      env: { ...process.env, ...step.env },
      stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let captured = '';
    if (typeof output === 'object') {
      child.stdout?.on('data', tagLines(output.tag, process.stdout));
      child.stderr?.on('data', tagLines(output.tag, process.stderr));
    } else {
      child.stdout?.on('data', (chunk: Buffer) => (captured += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (captured += chunk.toString()));
    }
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, output: captured });
    });
  });
}

async function runTimed(step: Step, output: Parameters<typeof runStep>[1]): Promise<number> {
  const stepStarted = Date.now();
  progress(`${step.name} ...`);
  const { code } = await runStep(step, output);
  progress(
    `${step.name}: ${code === 0 ? 'ok' : `exit ${code}`} (${formatSeconds(Date.now() - stepStarted)})`,
  );
  return code;
}

function failed(step: Step, code: number): never {
  progress(`FAILED: ${step.name} (exit ${code}) after ${formatSeconds(Date.now() - started)}`);
  process.exit(code);
}

const started = Date.now();
// Every step's temporary files go to one directory, removed when the run ends however it ends.
const runTmp = createRunTmpdir();
process.env.TMPDIR = runTmp.path;
process.on('exit', () => {
  const left = runTmp.remove();
  if (left) progress(left);
});
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
    'fixtureDevicePlugin',
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
    const result = await runStep(step, 'capture');
    if (result.output.trim()) process.stdout.write(`--- ${step.name}\n${result.output}`);
    return { step, ...result };
  }),
);
for (const { step, code } of results) if (code !== 0) failed(step, code);
progress(`static checks and hook bundles: ok (${formatSeconds(Date.now() - checksStarted)})`);
for (const step of steps) {
  const code = await runTimed(step, 'inherit');
  if (code !== 0) failed(step, code);
}
// Built once here, before two beds start at once: their real nodes import them.
await ensureHooksImage(progressTo('images'));
await ensureTroubleshootingFixtureImage(progressTo('images'));
const laneResults = await Promise.all(
  bedLanes.map(async (lane) => {
    for (const step of lane.steps) {
      const code = await runTimed(step, lane.tag ? { tag: lane.tag } : 'inherit');
      if (code !== 0) return { step, code };
    }
    return undefined;
  }),
);
for (const failure of laneResults) if (failure) failed(failure.step, failure.code);
progress(`all checks passed in ${formatSeconds(Date.now() - started)}`);
