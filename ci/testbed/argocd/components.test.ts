import { describe, expect, it } from '@jest/globals';
import {
  componentEnv,
  controllerArgs,
  redisArgs,
  repoServerArgs,
  type ArgoCdLayout,
} from './components.ts';

const layout: ArgoCdLayout = {
  redisPort: 16379,
  repoServerPort: 18081,
  repoServerMetricsPort: 18084,
  controllerMetricsPort: 18082,
  kubeconfig: '/state/admin.kubeconfig',
  workDir: '/state/argocd',
};

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

describe('Argo CD components on the test bed', () => {
  it('binds redis and the repo-server to loopback only', () => {
    expect(flag(redisArgs(layout), '--bind')).toBe('127.0.0.1');
    expect(flag(repoServerArgs(layout), '--address')).toBe('127.0.0.1');
    expect(flag(repoServerArgs(layout), '--metrics-address')).toBe('127.0.0.1');
  });

  it('wires the controller to this repo-server (plaintext) and redis, with the bed kubeconfig', () => {
    const args = controllerArgs(layout);
    expect(flag(args, '--repo-server')).toBe('127.0.0.1:18081');
    expect(args).toContain('--repo-server-plaintext');
    expect(flag(args, '--redis')).toBe('127.0.0.1:16379');
    expect(flag(repoServerArgs(layout), '--redis')).toBe('127.0.0.1:16379');
    expect(flag(args, '--kubeconfig')).toBe(layout.kubeconfig);
  });

  it('turns the repo-server TLS off together with its client CA (both or it refuses)', () => {
    const args = repoServerArgs(layout);
    expect(args).toContain('--disable-tls');
    expect(flag(args, '--client-ca-path')).toBe('');
  });

  it('selects the component by binary name and makes the in-cluster destination the bed', () => {
    const env = componentEnv('argocd-application-controller', layout, ['/x/bin'], {
      PATH: '/usr/bin',
    });
    expect(env).toMatchObject({
      ARGOCD_BINARY_NAME: 'argocd-application-controller',
      ARGOCD_FAKE_IN_CLUSTER: 'true',
      KUBECONFIG: layout.kubeconfig,
      PATH: '/x/bin:/usr/bin',
    });
  });
});
