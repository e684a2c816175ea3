import { describe, expect, it } from '@jest/globals';
import { enforceLabel, podSecurityProblem } from './pod-security.ts';

describe('podSecurityProblem', () => {
  it('accepts a namespace without an enforce label (the cluster default) or a privileged one', () => {
    expect(podSecurityProblem('onload', {})).toBeUndefined();
    expect(podSecurityProblem('onload', { [enforceLabel]: 'privileged' })).toBeUndefined();
    expect(
      podSecurityProblem('onload', { 'pod-security.kubernetes.io/warn': 'restricted' }),
    ).toBeUndefined();
  });

  it.each(['baseline', 'restricted'])('refuses %s, naming the label and the fix', (level) => {
    const problem = podSecurityProblem('onload', { [enforceLabel]: level });
    expect(problem).toContain(
      `enforces the "${level}" Pod Security Standard (label ${enforceLabel}=${level})`,
    );
    expect(problem).toContain(
      `kubectl label namespace onload ${enforceLabel}=privileged --overwrite`,
    );
  });
});
