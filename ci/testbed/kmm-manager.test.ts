import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { kmmCrdPaths } from './crds.ts';
import {
  kmmOperatorNamespace,
  managerConfig,
  managerEnv,
  managerKmmInfo,
  pinnedKmmVersion,
} from './kmm-manager.ts';

describe('the KMM manager on the test bed', () => {
  it('listens on nothing and elects no leader', () => {
    expect(managerConfig()).toMatchObject({
      healthProbeBindAddress: '0',
      metrics: { bindAddress: '0', secureServing: false },
      leaderElection: { enabled: false },
    });
  });

  it('runs with the bed kubeconfig, its operator namespace and image names that are never pulled', () => {
    const env = managerEnv('/state/admin.kubeconfig');
    expect(env).toMatchObject({
      KUBECONFIG: '/state/admin.kubeconfig',
      OPERATOR_NAMESPACE: kmmOperatorNamespace,
    });
    expect(env.RELATED_IMAGE_WORKER).toMatch(/\.invalid\//);
  });

  it('is the pinned release-2.2 build unless ONLOAD_KMM_MANAGER names another binary', () => {
    const pinned = managerKmmInfo({});
    expect(pinned.version).toBe(pinnedKmmVersion);
    expect(pinned.binary).toMatch(/kmm-v0\.0\.0-20240925181841-898c27853e89\/bin\/kmm-manager$/);
    expect(
      managerKmmInfo({ ONLOAD_KMM_MANAGER: '/opt/kmm/manager', ONLOAD_KMM_VERSION: '2.6' }),
    ).toEqual({ mode: 'manager', version: '2.6', binary: '/opt/kmm/manager' });
  });

  it('serves the CRDs of the folder ONLOAD_KMM_CRDS names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmm-crds-'));
    await writeFile(join(dir, 'modules.yaml'), 'kind: CustomResourceDefinition\n');
    await writeFile(join(dir, 'README.md'), 'not a CRD\n');
    expect(await kmmCrdPaths({ ONLOAD_KMM_CRDS: dir })).toEqual([join(dir, 'modules.yaml')]);
    const empty = await mkdtemp(join(tmpdir(), 'kmm-crds-'));
    await expect(kmmCrdPaths({ ONLOAD_KMM_CRDS: empty })).rejects.toThrow(/no \.yaml files/);
  });
});
