// `helm lint --strict` on every chart-testing variant with Helm 3 and Helm 4, and `ct lint` with
// this repository's chart-testing configuration (ci/ct/), which also runs yamllint and yamale.
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { chartTesting } from '../../../ci/lib/chart-testing.ts';
import { chartDir, helm } from '../../../ci/lib/helm.ts';
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
    const out = await chartTesting(
      helmMajor,
      ['lint', '--config', join('ci', 'ct', 'ct.yaml'), '--charts', join('charts', 'onload')],
      progressTo('tools'),
      { allowFailure: true },
    );
    const output = out.stdout + out.stderr;
    expect([out.code, output]).toEqual([
      0,
      expect.stringContaining('All charts linted successfully'),
    ]);
    for (const variant of variants) expect(output).toContain(`ci/${variant}-values.yaml`);
  }, 300_000);
});
