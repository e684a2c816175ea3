import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  cniConfig,
  containerdConfig,
  kubeletConfig,
  realNodePaths,
  realNodeSlot,
  realNodeSlots,
} from './config.ts';

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
      kubeletConfig(paths, {
        nodeIp: '192.0.2.2',
        port: 1,
        healthzPort: 2,
        caCert: '/ca',
        cgroupRoot: '/onload-testbed-1',
      }),
    ) as Record<string, unknown>;
    expect(config.containerRuntimeEndpoint).toBe(`unix://${paths.containerdSocket}`);
    expect(String(config.podLogsDir).startsWith(`${stateDir}/`)).toBe(true);
    expect(config.cgroupRoot).toBe('/onload-testbed-1');
  });

  it('gives every slot its own bridge, subnet and cgroup root', () => {
    const slots = Array.from({ length: realNodeSlots }, (_, i) => realNodeSlot(i));
    for (const key of ['bridgeName', 'podSubnet', 'bridgeAddress', 'cgroupRoot'] as const)
      expect(new Set(slots.map((s) => s[key])).size).toBe(realNodeSlots);
    for (const slot of slots)
      expect(slot.bridgeAddress.split('.').slice(0, 3)).toEqual(
        slot.podSubnet.split('.').slice(0, 3),
      );
    expect(() => realNodeSlot(realNodeSlots)).toThrow('does not exist');
  });

  it('gives pods a route to the Service range only, with IPAM state under the bed', () => {
    const bridge = (cniConfig(paths, realNodeSlot(1)).plugins as Record<string, unknown>[])[0] as {
      isGateway: boolean;
      ipMasq: boolean;
      bridge: string;
      ipam: { dataDir: string; routes: { dst: string; gw: string }[] };
    };
    expect(bridge.bridge).toBe('onload-tb1');
    expect(bridge.ipam.routes).toEqual([{ dst: '10.96.0.0/16', gw: '10.244.1.1' }]);
    expect([bridge.isGateway, bridge.ipMasq]).toEqual([false, false]);
    expect(bridge.ipam.dataDir.startsWith(`${stateDir}/`)).toBe(true);
  });
});
