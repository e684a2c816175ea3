import { describe, expect, it } from '@jest/globals';
import { agentArgs, defaults, hookBundlesDir, parseAgentArgs } from './options.ts';

describe('agent command line', () => {
  it('round-trips the options the supervisor passes', () => {
    const options = {
      loadMs: 10,
      unloadMs: 20,
      workerRetryMs: 30,
      kmmVersion: '2.4',
      appDirs: ['/a', '/b'],
      kmm: 'manager' as const,
    };
    expect(parseAgentArgs(agentArgs('/kc', '/state', options))).toEqual({
      kubeconfig: '/kc',
      stateDir: '/state',
      ...options,
    });
  });

  it('fills in defaults', () => {
    expect(parseAgentArgs(['--kubeconfig', '/kc', '--state-dir', '/s'])).toEqual({
      kubeconfig: '/kc',
      stateDir: '/s',
      ...defaults,
      appDirs: [hookBundlesDir],
      kmm: 'stand-in',
    });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseAgentArgs(['--kubeconfig', '/kc'])).toThrow(
      /--kubeconfig and --state-dir are required/,
    );
    expect(() => parseAgentArgs(['--kubeconfig=/k', '--state-dir=/s', '--load-ms=soon'])).toThrow(
      /--load-ms must be a whole number of milliseconds, got "soon"/,
    );
    expect(() =>
      parseAgentArgs(['--kubeconfig=/k', '--state-dir=/s', '--kmm-version=new']),
    ).toThrow(/--kmm-version must look like 2.5/);
    expect(() => parseAgentArgs(['--kubeconfig=/k', '--state-dir=/s', '--kmm=operator'])).toThrow(
      /--kmm must be stand-in or manager, got "operator"/,
    );
  });
});
