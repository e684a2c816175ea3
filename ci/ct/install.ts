// npm run ct-install [-- --no-upgrade]
// chart-testing's install test as chart repositories run it in their CI: `ct install --upgrade`
// over every charts/onload/ci/*-values.yaml (install the chart at origin/main, upgrade to this
// checkout, `helm test`, delete; then install this checkout alone), against a test bed with the
// KMM and kubelet stand-ins and the real node, where the hook Jobs and the labeller run as real
// containers of the hooks image built from this checkout.
import { mkdir, writeFile } from 'node:fs/promises';
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

const started = Date.now();
const bed = await startTestBed(progress, testAgentOptions);
const logDir = join(toolsCacheDir(), '..', 'ct-install');
const logFile = join(logDir, `${new Date().toISOString().replace(/[:.]/g, '')}.log`);
let output = '';
let code: number;
try {
  const setArgs = setJsonArgs(realNodeValues(hooksImageOf(bed)));
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
        /^(Installing chart|Testing upgrades|Release ".*" has been upgraded|Deleting release| ✔︎| ✖︎|All charts|Error)/.test(
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
