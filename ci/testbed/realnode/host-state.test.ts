import { describe, expect, it } from '@jest/globals';
import { cgroupMounts, chainRemovals, chainsIn, mountPointsUnder } from './host-state.ts';

const mountinfo = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '30 22 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '31 22 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '40 22 0:50 / /tmp/bed/real-node/kubelet/pods/x/volumes/kube-api-access rw - tmpfs tmpfs rw',
  '41 22 0:51 / /tmp/bed/real-node/containerd/state/netns/cni-1 rw - nsfs nsfs rw',
  '42 22 0:52 / /tmp/bed/real-node/with\\040space rw - tmpfs tmpfs rw',
  '43 22 0:53 / /tmp/bedroom rw - tmpfs tmpfs rw',
].join('\n');

describe('mountPointsUnder', () => {
  it('lists the mounts under a directory, deepest first, unescaping spaces', () => {
    expect(mountPointsUnder(mountinfo, '/tmp/bed')).toEqual([
      '/tmp/bed/real-node/kubelet/pods/x/volumes/kube-api-access',
      '/tmp/bed/real-node/containerd/state/netns/cni-1',
      '/tmp/bed/real-node/with space',
    ]);
  });
});

describe('cgroupMounts', () => {
  it('finds cgroup v1 hierarchies and the v2 tree', () => {
    expect(cgroupMounts(mountinfo)).toEqual(['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified']);
  });
});

describe('chainRemovals', () => {
  const rules = [
    '-P PREROUTING ACCEPT',
    '-N KUBE-KUBELET-CANARY',
    '-N KUBE-OTHER',
    '-N MINE',
    '-A PREROUTING -j KUBE-KUBELET-CANARY',
    '-A MINE -j KUBE-OTHER',
    '-A KUBE-KUBELET-CANARY -j RETURN',
  ].join('\n');

  it('lists the KUBE- chains', () => {
    expect(chainsIn(rules, 'KUBE-')).toEqual(['KUBE-KUBELET-CANARY', 'KUBE-OTHER']);
  });

  it('removes the jumps to the chains, then flushes and deletes them', () => {
    expect(chainRemovals(rules, ['KUBE-KUBELET-CANARY'])).toEqual([
      ['-D', 'PREROUTING', '-j', 'KUBE-KUBELET-CANARY'],
      ['-F', 'KUBE-KUBELET-CANARY'],
      ['-X', 'KUBE-KUBELET-CANARY'],
    ]);
  });
});
