import { describe, expect, it } from '@jest/globals';
import { KubeConfig, RequestContext, HttpMethod } from '@kubernetes/client-node';
import { PooledAuthentication, pooledClientFactory, pooledWatchConfig } from './connections.ts';

function kubeconfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: false, caData: 'Y2E=' }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

function request(): RequestContext {
  return new RequestContext('https://127.0.0.1:6443/api/v1/nodes', HttpMethod.GET);
}

describe('pooled API connections', () => {
  it('gives every request the same connection pool, and its credentials', async () => {
    const auth = new PooledAuthentication(kubeconfig('https://127.0.0.1:6443'));
    const first = request();
    const second = request();
    await auth.applySecurityAuthentication(first);
    await auth.applySecurityAuthentication(second);
    expect(first.getDispatcher()).toBeDefined();
    expect(second.getDispatcher()).toBe(first.getDispatcher());
    expect(second.getHeaders().Authorization).toBe('Bearer secret-token');
  });

  it('needs a current cluster', () => {
    expect(() => pooledClientFactory(new KubeConfig())).toThrow(/no current cluster/);
  });
});

describe('pooled watches', () => {
  it('share one pool of their own, apart from the calls, with the same credentials', async () => {
    const kc = kubeconfig('https://127.0.0.1:6443');
    const call = request();
    await new PooledAuthentication(kc).applySecurityAuthentication(call);
    const config = pooledWatchConfig(kc);
    const first = request();
    const second = request();
    await config.applySecurityAuthentication(first);
    await config.applySecurityAuthentication(second);
    expect(second.getDispatcher()).toBe(first.getDispatcher());
    expect(first.getDispatcher()).not.toBe(call.getDispatcher());
    expect(first.getHeaders().Authorization).toBe('Bearer secret-token');
    expect(config.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });
});
