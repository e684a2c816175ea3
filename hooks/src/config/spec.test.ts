import { describe, expect, it } from '@jest/globals';
import { spec } from '../testing/phase-setup.ts';
import { readConfig } from './env.ts';
import { parseSpec, SpecError } from './spec.ts';

describe('ONLOAD_SPEC', () => {
  const good = JSON.stringify(spec({ version: '8.1.2.26' }));

  it('accepts the chart values with defaults applied', () => {
    expect(parseSpec(good, 'ONLOAD_SPEC').upgrade.maxUnavailable).toBe('25%');
  });

  it("gives a field an older chart's Job leaves out its default (a newer hooks image)", () => {
    const older = JSON.parse(good) as { upgrade: Record<string, unknown> };
    delete older.upgrade.failurePolicy;
    delete older.upgrade.applyLoaderChangesAtOnce;
    const parsed = parseSpec(JSON.stringify(older), 'ONLOAD_SPEC');
    expect(parsed.upgrade.failurePolicy).toBe('Stop');
    expect(parsed.upgrade.applyLoaderChangesAtOnce).toBe(false);
  });

  it('names every bad field and how to fix it', () => {
    const bad = JSON.parse(good) as {
      upgrade: Record<string, unknown>;
      onload: Record<string, unknown>;
    };
    bad.upgrade.maxUnavailable = '0%';
    bad.onload.version = 'has space';
    bad.upgrade.failurePolicy = 'Retry';
    const attempt = (): unknown => parseSpec(JSON.stringify(bad), 'ONLOAD_SPEC');
    expect(attempt).toThrow(SpecError);
    expect(attempt).toThrow(/upgrade.maxUnavailable must be an integer >= 1 or a percentage/);
    expect(attempt).toThrow(
      /onload.version must be a label-safe version string \(got "has space"\)/,
    );
    expect(attempt).toThrow(/upgrade.failurePolicy must be "Stop" or "Continue" \(got "Retry"\)/);
    expect(() => parseSpec('{', 'ONLOAD_SPEC')).toThrow(/ONLOAD_SPEC is not valid JSON/);
  });

  it('reads the hook environment, naming a missing variable', () => {
    const env = {
      ONLOAD_RELEASE: 'r',
      ONLOAD_NAMESPACE: 'ns',
      ONLOAD_CR_NAME: 'r-onload',
      ONLOAD_SPEC: good,
      ONLOAD_DEADLINE_SECONDS: '600',
      POD_NAME: 'r-onload-post-abc',
      LOG_LEVEL: 'debug',
    };
    expect(readConfig(env)).toEqual(
      expect.objectContaining({
        deadlineSeconds: 600,
        identity: 'r-onload-post-abc',
        logLevel: 'debug',
      }),
    );
    expect(readConfig({ ...env, POD_NAME: '' }).identity).toMatch(/^host:/);
    expect(() => readConfig({ ...env, ONLOAD_NAMESPACE: '' })).toThrow(
      'environment variable ONLOAD_NAMESPACE is not set',
    );
    expect(() => readConfig({ ...env, ONLOAD_DEADLINE_SECONDS: 'soon' })).toThrow(
      /not a positive integer/,
    );
  });
});
