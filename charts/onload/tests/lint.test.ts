// `helm lint --strict` on every chart-testing variant with Helm 3 and Helm 4, and `ct lint` with
// this repository's chart-testing configuration (ci/ct/), which also runs yamllint and yamale.
import { describe, expect, it } from '@jest/globals';
import { dirname, join } from 'node:path';
import { chartDir, helm, helmPath, repoRoot } from '../../../ci/lib/helm.ts';
import { run } from '../../../ci/lib/process.ts';
import { binaryPath, ensureTool } from '../../../ci/tools/build.ts';
import { progressTo } from '../../../ci/lib/progress.ts';
import { helmMajors, variantFile, variants } from './lib/render.ts';

describe.each(helmMajors)('helm lint --strict, Helm %i', (helmMajor) => {
  it.each(variants)('passes on %s', async (variant) => {
    const out = await helm(
      helmMajor,
      ['lint', '--strict', chartDir, '--values', variantFile(variant)],
      {
        allowFailure: true,
      },
    );
    expect([out.code, out.stdout + out.stderr]).toEqual([
      0,
      expect.stringContaining('0 chart(s) failed'),
    ]);
  });
});

describe.each(helmMajors)('ct lint, Helm %i', (helmMajor) => {
  it('passes with ci/ct/ct.yaml on every variant', async () => {
    await ensureTool('chartTesting', progressTo('tools'));
    const helmDir = dirname(await helmPath(helmMajor));
    const helmHome = join(repoRoot, 'node_modules', '.cache', `helm${helmMajor}-home`);
    const out = await run(
      binaryPath('chartTesting', 'ct'),
      ['lint', '--config', join('ci', 'ct', 'ct.yaml'), '--charts', join('charts', 'onload')],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PATH: `${helmDir}:${process.env.PATH ?? ''}`,
          HELM_CACHE_HOME: join(helmHome, 'cache'),
          HELM_CONFIG_HOME: join(helmHome, 'config'),
          HELM_DATA_HOME: join(helmHome, 'data'),
        },
        allowFailure: true,
      },
    );
    const output = out.stdout + out.stderr;
    expect([out.code, output]).toEqual([
      0,
      expect.stringContaining('All charts linted successfully'),
    ]);
    for (const variant of variants) expect(output).toContain(`ci/${variant}-values.yaml`);
  }, 120_000);
});
