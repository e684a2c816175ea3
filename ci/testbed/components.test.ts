import { describe, expect, it } from '@jest/globals';
import {
  controllerManagerArgs,
  kwokArgs,
  nodeHeartbeat,
  type ClusterLayout,
} from './components.ts';

const layout = (fakeNodes: number): ClusterLayout => ({
  stateDir: '/state',
  etcdClientPort: 1,
  etcdPeerPort: 2,
  apiserverPort: 3,
  kwokServerPort: 4,
  advertiseAddress: '192.0.2.2',
  adminKubeconfig: '/state/admin.kubeconfig',
  pki: {} as ClusterLayout['pki'],
  kwokStages: [],
  fakeNodes,
});

describe('nodeHeartbeat', () => {
  it("keeps a kubelet's heartbeats and the controller's default grace on beds of up to 200 nodes", () => {
    expect(nodeHeartbeat(200)).toEqual({ leaseSeconds: 40 });
    expect(kwokArgs(layout(6))).toContain('--node-lease-duration-seconds=40');
    expect(controllerManagerArgs(layout(200)).some((a) => a.includes('node-monitor'))).toBe(false);
  });

  it('renews less often and waits longer before NotReady on bigger beds', () => {
    expect(kwokArgs(layout(1000))).toContain('--node-lease-duration-seconds=120');
    expect(controllerManagerArgs(layout(1000))).toContain('--node-monitor-grace-period=180s');
    const { leaseSeconds, gracePeriodSeconds = 0 } = nodeHeartbeat(201);
    // A renewal is due every quarter of the lease: the grace must cover several missed ones.
    expect(gracePeriodSeconds).toBeGreaterThan(leaseSeconds);
  });
});
