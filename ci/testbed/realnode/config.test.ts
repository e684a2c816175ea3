import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { cniConfig, containerdConfig, kubeletConfig, realNodePaths } from './config.ts';

const stateDir = '/tmp/onload-testbed-abc';
const paths = realNodePaths(stateDir);

function absolutePaths(text: string): string[] {
  return [...text.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('real node config', () => {
  it('keeps containerd’s root, state, socket, runc root and CNI config under the bed', () => {
    const outside = absolutePaths(containerdConfig(paths, '/usr/lib/cni')).filter(
      (p) => !p.startsWith(`${stateDir}/`),
    );
    expect(outside).toEqual(['/usr/lib/cni']);
  });

  it('keeps the kubelet’s runtime socket and pod logs under the bed', () => {
    const config = parse(
      kubeletConfig(paths, { nodeIp: '192.0.2.2', port: 1, healthzPort: 2, caCert: '/ca' }),
    ) as Record<string, unknown>;
    expect(config.containerRuntimeEndpoint).toBe(`unix://${paths.containerdSocket}`);
    expect(String(config.podLogsDir).startsWith(`${stateDir}/`)).toBe(true);
  });

  it('gives pods a route to the Service range only, with IPAM state under the bed', () => {
    const bridge = (cniConfig(paths).plugins as Record<string, unknown>[])[0] as {
      isGateway: boolean;
      ipMasq: boolean;
      ipam: { dataDir: string; routes: { dst: string }[] };
    };
    expect(bridge.ipam.routes.map((r) => r.dst)).toEqual(['10.96.0.0/16']);
    expect([bridge.isGateway, bridge.ipMasq]).toEqual([false, false]);
    expect(bridge.ipam.dataDir.startsWith(`${stateDir}/`)).toBe(true);
  });
});
