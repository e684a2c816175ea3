// npm run ct-install [-- --no-upgrade]
// chart-testing's install test as chart repositories run it in their CI: `ct install --upgrade`
// over every charts/onload/ci/*-values.yaml (install the chart at the merge base with origin/main
// and upgrade to this checkout; install and upgrade this checkout in place; install it alone;
// `helm test` and delete each release through its hooks), against a test bed with the
// KMM and kubelet stand-ins and the real node, where the hook Jobs and the labeller run as real
// containers of the hooks image built from this checkout.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chartTesting } from '../lib/chart-testing.ts';
import { repoRoot } from '../lib/helm.ts';
import { run } from '../lib/process.ts';
import { formatSeconds, progressTo } from '../lib/progress.ts';
import { hooksImageOf, realNodeValues } from '../e2e/real-node.ts';
import { testAgentOptions } from '../testbed/agents/start.ts';
import { stopCluster } from '../testbed/cluster.ts';
import { startTestBed } from '../testbed/test-bed.ts';
import { toolsCacheDir } from '../tools/build.ts';
import { tagImage } from '../testbed/realnode/start.ts';
import { mirroredNames, mirrorRegistries } from './mirrored-names.ts';
import { setJsonArgs } from './set-args.ts';

const progress = progressTo('ct install');
const { values } = parseArgs({
  options: { upgrade: { type: 'boolean', default: true } },
  allowNegative: true,
});
// ci/ct/ct.yaml: target-branch main on the remote "origin" is the previous revision.
const previous = 'origin/main';

if (values.upgrade) {
  const { code } = await run('git', ['rev-parse', '--verify', '--quiet', previous], {
    cwd: repoRoot,
    allowFailure: true,
  });
  if (code !== 0) {
    console.error(
      `ct install --upgrade starts from the chart at ${previous}, which this checkout does not have: ` +
        '`git fetch origin main`, or run `npm run ct-install -- --no-upgrade`',
    );
    process.exit(2);
  }
}

/** The variants' values files, here and (for --upgrade) at the previous revision. */
async function variantValues(): Promise<string[]> {
  const dir = join('charts', 'onload', 'ci');
  const here = (await readdir(join(repoRoot, dir))).filter((f) => f.endsWith('-values.yaml'));
  const texts = await Promise.all(here.map((f) => readFile(join(repoRoot, dir, f), 'utf8')));
  if (!values.upgrade) return texts;
  const listed = await run('git', ['ls-tree', '--name-only', `${previous}:${dir}`], {
    cwd: repoRoot,
  });
  const before = listed.stdout.split('\n').filter((f) => f.endsWith('-values.yaml'));
  for (const f of before)
    texts.push((await run('git', ['show', `${previous}:${dir}/${f}`], { cwd: repoRoot })).stdout);
  return texts;
}

/** A variant with global.imageRegistry pulls the hooks image from its mirror: the node has it. */
async function nameAsMirrors(stateDir: string, reference: string): Promise<void> {
  for (const name of mirroredNames(reference, mirrorRegistries(await variantValues()))) {
    await tagImage(stateDir, reference, name);
    progress(`hooks image also named ${name} on the real node (a variant's mirror)`);
  }
}

const started = Date.now();
const bed = await startTestBed(progress, testAgentOptions);
const logDir = join(toolsCacheDir(), '..', 'ct-install');
const logFile = join(logDir, `${new Date().toISOString().replace(/[:.]/g, '')}.log`);
let output = '';
let code: number;
try {
  const hooksImage = hooksImageOf(bed);
  await nameAsMirrors(bed.stateDir, hooksImage.reference);
  // No helm test pod: it asks for amd.com/onload, which only the KWOK nodes offer here, and KWOK
  // never runs a pod to its end. The field-safety suite runs it on the real node instead.
  const setArgs = setJsonArgs({
    ...realNodeValues(hooksImage),
    diagnostics: { test: { enabled: false } },
  });
  const args = [
    'install',
    '--config',
    join('ci', 'ct', 'ct.yaml'),
    '--charts',
    join('charts', 'onload'),
    ...(values.upgrade ? ['--upgrade'] : []),
    '--helm-extra-args',
    '--timeout 600s',
    '--helm-extra-set-args',
    setArgs.join(' '),
  ];
  progress(
    `ct ${args.slice(0, 5).join(' ')}${values.upgrade ? ' --upgrade' : ''} (log: ${logFile})`,
  );
  const result = await chartTesting(3, args, progress, {
    env: { ...process.env, KUBECONFIG: bed.kubeconfig },
    allowFailure: true,
    onLine: (line) => {
      output += `${line}\n`;
      if (
        /^(Installing chart|Testing upgrades|Release ".*" has been upgraded|Deleting release| ✔︎| ✖︎|All charts|Error:)/.test(
          line,
        )
      )
        progress(line.trim());
    },
  });
  code = result.code;
} finally {
  await mkdir(logDir, { recursive: true });
  await writeFile(logFile, output);
  await stopCluster(bed.stateDir);
}
progress(
  `${code === 0 ? 'passed' : `FAILED (exit ${code}); see ${logFile}`} in ${formatSeconds(Date.now() - started)}`,
);
process.exit(code);
