import { describe, expect, it } from '@jest/globals';
import { itemsOf, planSync } from './argocd.ts';

const rendered = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hooks
  annotations:
    helm.sh/hook: pre-install,pre-upgrade,pre-rollback,post-install,post-upgrade,post-rollback,pre-delete,post-delete
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
---
apiVersion: batch/v1
kind: Job
metadata:
  name: post
  annotations:
    helm.sh/hook: post-install,post-upgrade,post-rollback
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pre
  annotations:
    helm.sh/hook: pre-install,pre-upgrade,pre-rollback
    helm.sh/hook-weight: "0"
---
apiVersion: batch/v1
kind: Job
metadata:
  name: rollback-only
  annotations:
    helm.sh/hook: pre-rollback
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: device-plugin
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: workload
`;

describe('planSync (Argo CD hook mapping)', () => {
  const items = planSync(rendered);

  it('maps Helm hooks to Argo CD phases and drops resources whose hooks are all unsupported', () => {
    const byName = Object.fromEntries(items.map((i) => [i.manifest.metadata.name, i.phases]));
    expect(byName).toEqual({
      hooks: ['PreSync', 'PostSync', 'PreDelete', 'PostDelete'],
      post: ['PostSync'],
      pre: ['PreSync'],
      'device-plugin': ['Sync'],
      workload: ['Sync'],
    });
  });

  it('orders a phase by wave, then kind, then name', () => {
    expect(itemsOf(items, 'PreSync').map((i) => i.manifest.metadata.name)).toEqual([
      'hooks',
      'pre',
    ]);
    expect(itemsOf(items, 'Sync').map((i) => i.manifest.metadata.name)).toEqual([
      'workload',
      'device-plugin',
    ]);
  });

  it('defaults the delete policy to BeforeHookCreation and translates Helm policy names', () => {
    const policies = Object.fromEntries(
      items.map((i) => [i.manifest.metadata.name, i.deletePolicies]),
    );
    expect(policies.post).toEqual(['BeforeHookCreation']);
    expect(policies.hooks).toEqual(['BeforeHookCreation', 'HookSucceeded']);
    expect(policies['device-plugin']).toEqual([]);
  });
});
