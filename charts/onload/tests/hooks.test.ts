// The hook Jobs and their ServiceAccount/RBAC: events, weights, delete policies, env wiring,
// security context and deadlines; and the labeller, which runs from the same image.
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import {
  componentObjectName,
  components,
  uninstallGuard,
  hookPhases,
  hookEnv,
  imageAppDir,
  kmmModuleApi,
  nodeOptions,
  nodeRuntimeEnv,
  podEvictSkipLabel,
} from '../../../hooks/src/contract.ts';
import { chartDir } from '../../../ci/lib/helm.ts';
import {
  allows,
  clusterRole,
  container,
  deployment,
  envOf,
  find,
  findAll,
  job,
  podSpec,
  role,
  type KmmModule,
  type Manifest,
} from './lib/manifests.ts';
import { specProblems } from '../../../hooks/src/config/spec.ts';
import { defaultNamespace, helmMajors, render, variants } from './lib/render.ts';

const ns = defaultNamespace;

/** Every verb of every [group, resource, verbs] is allowed; a failure names the missing one. */
function expectAllowed(
  rules: Parameters<typeof allows>[0],
  needed: readonly (readonly [string, string, readonly string[]])[],
): void {
  for (const [group, resource, verbs] of needed)
    for (const verb of verbs)
      expect([group, resource, verb, allows(rules, group, resource, verb)]).toEqual([
        group,
        resource,
        verb,
        true,
      ]);
}
const jobEvents: Record<string, string[]> = {
  pre: ['pre-install', 'pre-upgrade', 'pre-rollback'],
  post: ['post-install', 'post-upgrade', 'post-rollback'],
  'pre-delete': ['pre-delete'],
};
const hookEntries = hookPhases;
const identityOf: Record<string, string> = {
  pre: 'hooks',
  post: 'hooks',
  'pre-delete': 'hooks-pre-delete',
};
const identityKinds = [
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
];

/** The ServiceAccount `account` and the RBAC objects named after it (cluster ones namespace-prefixed). */
function identityObjects(objects: readonly Manifest[], account: string): Manifest[] {
  return objects.filter(
    (o) =>
      identityKinds.includes(o.kind) &&
      (o.metadata.name === account || o.metadata.name === `${ns}-${account}`),
  );
}

const annotation = (o: Manifest, key: string): string | undefined => o.metadata.annotations?.[key];
const events = (o: Manifest): string[] =>
  (annotation(o, 'helm.sh/hook') ?? '').split(',').filter(Boolean);
/** A lifecycle hook: any Helm hook but `test` (the helm test pod, `templates/helm-test-pod.yaml`). */
const isHook = (o: Manifest): boolean => {
  const hook = annotation(o, 'helm.sh/hook');
  return hook !== undefined && hook !== 'test';
};

async function chartVersion(): Promise<string> {
  return (parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string })
    .version;
}

describe.each(helmMajors)('hooks, Helm %i', (helmMajor) => {
  it('renders one Job per hook entry point, on the events of its phase', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const jobs = findAll(objects, 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(
      hookEntries.map((e) => `onload-${e}`).sort(),
    );
    for (const entry of hookEntries) {
      expect(events(find(objects, 'Job', `onload-${entry}`))).toEqual(jobEvents[entry]);
    }
  });

  it("gives every Job an identity that exists before the Job's pod, whatever orders the hooks", async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const syncEvents = [...(jobEvents.pre ?? []), ...(jobEvents.post ?? [])];
    for (const entry of hookEntries) {
      const j = find(objects, 'Job', `onload-${entry}`);
      const account = podSpec(job(objects, j.metadata.name)).serviceAccountName ?? '';
      expect([entry, account]).toEqual([entry, `onload-${identityOf[entry]}`]);
      const identity = identityObjects(objects, account);
      expect(identity.map((o) => o.kind).sort()).toEqual([...identityKinds].sort());
      for (const o of identity) {
        if (entry === 'pre' || entry === 'post') {
          // Helm and Argo CD (sync waves) both create these phases' hooks by weight.
          expect(events(o).sort()).toEqual([...syncEvents].sort());
          expect(annotation(o, 'helm.sh/hook-weight')).toBe('-10');
        } else {
          // An ordinary release object: there before the delete hook, deleted with the release.
          expect(isHook(o)).toBe(false);
        }
      }
      expect(annotation(j, 'helm.sh/hook-weight')).toBe('0');
    }
  });

  it('grants both hook identities the same rules, but stopping the labeller and releasing the uninstall guard: the pre-delete identity alone, by name', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const uninstalling = [
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        resourceNames: ['onload-labeller'],
        verbs: ['patch'],
      },
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['onload-uninstall-guard'],
        verbs: ['get', 'patch'],
      },
    ];
    const rulesOf = (name: string) => ({
      cluster: clusterRole(objects, `onload-system-onload-${name}`).rules,
      namespaced: role(objects, `onload-${name}`).rules,
    });
    const sync = rulesOf('hooks');
    const preDelete = rulesOf('hooks-pre-delete');
    for (const rule of uninstalling) {
      expect(sync.namespaced).not.toContainEqual(rule);
      expect(preDelete.namespaced).toContainEqual(rule);
    }
    expect({
      ...preDelete,
      namespaced: preDelete.namespaced?.filter(
        (r) => !uninstalling.some((u) => isDeepStrictEqual(r, u)),
      ),
    }).toEqual(sync);
  });

  it.each(variants)(
    "guards the uninstall: a ConfigMap in Argo CD's last sync wave whose finalizer only pre-delete removes (%s)",
    async (variant) => {
      const objects = await render({ variant, helmMajor });
      const guard = find(
        objects,
        'ConfigMap',
        componentObjectName('onload', uninstallGuard.suffix),
      );
      expect(isHook(guard)).toBe(false);
      expect(guard.metadata.finalizers).toEqual([uninstallGuard.finalizer]);
      const wave = (o: Manifest): number =>
        Number(annotation(o, 'argocd.argoproj.io/sync-wave') ?? '0');
      const others = objects.filter((o) => o !== guard && !isHook(o));
      expect(Math.max(...others.map(wave))).toBeLessThan(wave(guard));
    },
  );

  it.each([
    ['onload', {}],
    ['trading', {}],
    // cut to fit: 54 characters of it end in '-', which goes
    ['onload', { fullnameOverride: `${'a'.repeat(53)}-onload` }],
  ] as const)(
    'names the labeller Deployment as the hooks compute it (release %s, %j)',
    async (release, overrides) => {
      const objects = await render({ variant: 'minimal', helmMajor, release, overrides });
      const cr = findAll(objects, 'Onload')[0]?.metadata.name ?? '';
      const expected = componentObjectName(cr, components.labeller);
      expect(findAll(objects, 'Deployment').map((d) => d.metadata.name)).toContain(expected);
    },
  );

  it('deletes hooks before re-creation and on success, keeps failed ones, and prints failed hook logs', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    for (const o of objects.filter(isHook)) {
      expect(annotation(o, 'helm.sh/hook-delete-policy')).toBe(
        'before-hook-creation,hook-succeeded',
      );
    }
    for (const j of findAll(objects, 'Job')) {
      expect(annotation(j, 'helm.sh/hook-output-log-policy')).toBe('hook-failed');
    }
  });

  it.each(variants)(
    'has no post-delete hook, which Argo CD can skip: pre-delete leaves the nodes clean (%s)',
    async (variant) => {
      const objects = await render({ variant, helmMajor });
      const postDelete = objects.filter(
        (o) =>
          events(o).includes('post-delete') ||
          annotation(o, 'argocd.argoproj.io/hook')?.includes('PostDelete'),
      );
      expect(postDelete.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    },
  );

  it('leaves no other object a hook (the workloads are ordinary release objects)', async () => {
    const objects = await render({ variant: 'sfptpd-on', helmMajor });
    const hooks = objects.filter(isHook);
    expect(hooks.every((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'hook')).toBe(
      true,
    );
    // three Jobs and the sync-phase identity (five objects)
    expect(hooks).toHaveLength(3 + 5);
    // and `helm test`'s pod, the one test hook
    const tests = objects.filter((o) => annotation(o, 'helm.sh/hook') === 'test');
    expect(tests.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['Pod onload-test']);
  });

  it.each(hookEntries)(
    'runs the %s entry point of the hooks image with the contract env',
    async (entry) => {
      const objects = await render({ variant: 'minimal', helmMajor, release: 'trading' });
      const j = job(objects, `trading-onload-${entry}`);
      const c = container(podSpec(j), entry);
      expect(c.image).toBe('ghcr.io/onload-helm/onload-hooks:0.1.0');
      expect(c.command).toEqual(['node', `${imageAppDir}/${entry}.mjs`]);
      const env = envOf(c);
      expect(Object.keys(env).sort()).toEqual(
        [...Object.values(hookEnv), 'NODE_OPTIONS', ...Object.keys(nodeRuntimeEnv)].sort(),
      );
      expect(env).toMatchObject({ ...nodeRuntimeEnv, NODE_OPTIONS: nodeOptions(256) });
      const cr = find(objects, 'Onload', 'trading-onload');
      expect(env).toMatchObject({
        [hookEnv.release]: 'trading',
        [hookEnv.namespace]: 'fieldRef:metadata.namespace',
        [hookEnv.crName]: cr.metadata.name,
        [hookEnv.chartVersion]: await chartVersion(),
        [hookEnv.deadlineSeconds]: String(j.spec?.activeDeadlineSeconds),
        [hookEnv.podName]: 'fieldRef:metadata.name',
        [hookEnv.logLevel]: 'info',
      });
      expect(JSON.parse(env[hookEnv.spec] ?? '')).toEqual(cr.spec);
    },
  );

  it.each(variants)(
    'gives the hooks an ONLOAD_SPEC their validator accepts (%s)',
    async (variant) => {
      const c = container(
        podSpec(job(await render({ variant, helmMajor }), 'onload-post')),
        'post',
      );
      expect(specProblems(JSON.parse(envOf(c)[hookEnv.spec] ?? ''))).toEqual([]);
    },
  );

  it('passes ${KERNEL_FULL_VERSION} through ONLOAD_SPEC unrendered', async () => {
    const c = container(
      podSpec(job(await render({ variant: 'minimal', helmMajor }), 'onload-post')),
      'post',
    );
    const spec = JSON.parse(envOf(c)[hookEnv.spec] ?? '') as {
      onload: { kernelMappings: { kernelModuleImage: string }[] };
    };
    expect(spec.onload.kernelMappings[0]?.kernelModuleImage).toBe(
      'registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
    );
  });

  it.each(['minimal', 'air-gapped-registry', 'secure-boot-private-registry', 'sfc-off'] as const)(
    "gives the pre hook each Module's rendered spec.moduleLoader in ONLOAD_MODULE_LOADERS (%s)",
    async (variant) => {
      const objects = await render({ variant, helmMajor });
      const c = container(podSpec(job(objects, 'onload-pre')), 'pre');
      const modules = findAll(objects, 'Module') as KmmModule[];
      expect(JSON.parse(envOf(c)[hookEnv.moduleLoaders] ?? '')).toEqual(
        Object.fromEntries(modules.map((m) => [m.metadata.name, m.spec.moduleLoader])),
      );
    },
  );

  it('runs the hook pods non-root, read-only, without capabilities, once, with their token', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    for (const j of findAll(objects, 'Job')) {
      const spec = podSpec(job(objects, j.metadata.name));
      expect(spec.restartPolicy).toBe('Never');
      expect(spec.automountServiceAccountToken).toBe(true);
      expect(spec.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of spec.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('labels hook pods as hooks that a rollout never evicts', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    for (const j of findAll(objects, 'Job')) {
      expect(job(objects, j.metadata.name).spec?.template.metadata?.labels).toMatchObject({
        'app.kubernetes.io/component': 'hook',
        [podEvictSkipLabel]: 'true',
      });
    }
  });

  it('takes deadline, retries, placement, annotations, resources and log level from hooks.*', async () => {
    const objects = await render({ variant: 'canary-policy', helmMajor });
    for (const entry of hookEntries) {
      const j = job(objects, `onload-${entry}`);
      expect(j.spec?.activeDeadlineSeconds).toBe(7200);
      expect(j.spec?.backoffLimit).toBe(1);
      const spec = podSpec(j);
      expect(spec.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
      expect(spec.tolerations).toEqual([
        { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      ]);
      expect(j.spec?.template.metadata?.annotations).toEqual({ 'example.com/team': 'platform' });
      const env = envOf(container(spec, entry));
      expect(env[hookEnv.deadlineSeconds]).toBe('7200');
      expect(env[hookEnv.logLevel]).toBe('debug');
      expect(container(spec, entry).resources).toEqual({
        requests: { cpu: '50m', memory: '160Mi' },
        limits: { memory: '256Mi' },
      });
    }
  });

  it.each([
    ['1Gi', 1024],
    ['300Mi', 300],
    ['500M', 476],
    ['2G', 1907],
    ['262144Ki', 256],
    [268435456, 256],
    [undefined, undefined],
  ])('caps the V8 heap at half the memory limit %p', async (limit, mib) => {
    const resources = limit === undefined ? { limits: null } : { limits: { memory: limit } };
    const objects = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { hooks: { resources }, labeller: { resources } },
    });
    const hook = envOf(container(podSpec(job(objects, 'onload-post')), 'post'));
    const labeller = envOf(container(podSpec(deployment(objects, 'onload-labeller')), 'labeller'));
    expect(hook.NODE_OPTIONS).toBe(nodeOptions(mib));
    expect(labeller.NODE_OPTIONS).toBe(nodeOptions(mib));
  });

  it('leaves finished Jobs to the tool (no ttlSecondsAfterFinished): a failed one stays for its logs', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    for (const e of hookEntries)
      expect([e, job(objects, `onload-${e}`).spec?.ttlSecondsAfterFinished]).toEqual([
        e,
        undefined,
      ]);
  });

  it('uses the default hook deadline and no retries by default', async () => {
    const j = job(await render({ variant: 'minimal', helmMajor }), 'onload-post');
    expect(j.spec?.activeDeadlineSeconds).toBe(3600);
    expect(j.spec?.backoffLimit).toBe(0);
  });

  it('grants the hooks what the rollout needs at cluster scope', async () => {
    const rules = clusterRole(
      await render({ variant: 'minimal', helmMajor }),
      'onload-system-onload-hooks',
    ).rules;
    const needed: [string, string, string[]][] = [
      ['', 'nodes', ['get', 'list', 'watch', 'patch']],
      ['', 'events', ['create', 'patch']],
      ['events.k8s.io', 'events', ['create', 'patch']],
      ['', 'pods', ['get', 'list', 'watch', 'delete']],
      ['', 'pods/eviction', ['create']],
      ['policy', 'poddisruptionbudgets', ['list', 'watch']],
      ['kmm.sigs.x-k8s.io', 'nodemodulesconfigs', ['get', 'list', 'watch']],
      ['kmm.sigs.x-k8s.io', 'modules', ['list']],
      ['apps', 'deployments', ['list']],
    ];
    expectAllowed(rules, needed);
    expect(allows(rules, '', 'nodes', 'delete')).toBe(false);
    expect(allows(rules, '', 'pods', 'create')).toBe(false);
    expect(allows(rules, '', 'secrets', 'get')).toBe(false);
    expect(allows(rules, 'kmm.sigs.x-k8s.io', 'modules', 'patch')).toBe(false);
    expect(allows(rules, 'apps', 'deployments', 'patch')).toBe(false);
  });

  it("lets the hooks read KMM's Module CRD, and no other CRD", async () => {
    const rules = clusterRole(
      await render({ variant: 'minimal', helmMajor }),
      'onload-system-onload-hooks',
    ).rules;
    const crds = ['apiextensions.k8s.io', 'customresourcedefinitions'] as const;
    expect(allows(rules, ...crds, 'get', kmmModuleApi.crd)).toBe(true);
    expect(allows(rules, ...crds, 'get', 'onloads.onload.amd.com')).toBe(false);
    expect(allows(rules, ...crds, 'get')).toBe(false);
    expect(allows(rules, ...crds, 'list')).toBe(false);
  });

  it('grants the hooks what the rollout needs in the release namespace only', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const rules = role(objects, 'onload-hooks').rules;
    const needed: [string, string, string[]][] = [
      ['kmm.sigs.x-k8s.io', 'modules', ['get', 'list', 'watch']],
      ['kmm.sigs.x-k8s.io', 'moduleimagesconfigs', ['get', 'list', 'watch']],
      ['onload.amd.com', 'onloads', ['get', 'list', 'watch', 'patch']],
      ['onload.amd.com', 'onloads/status', ['get', 'patch', 'update']],
      ['coordination.k8s.io', 'leases', ['get', 'create', 'update', 'patch', 'delete']],
      ['', 'pods', ['get', 'list', 'watch', 'delete']],
    ];
    expectAllowed(rules, needed);
    expect(allows(rules, 'kmm.sigs.x-k8s.io', 'modules', 'patch')).toBe(false);
    expect(allows(rules, 'apps', 'daemonsets', 'get')).toBe(false);
    expect(find(objects, 'Role', 'onload-hooks').metadata.namespace).toBe(ns);
    expect(find(objects, 'RoleBinding', 'onload-hooks')).toMatchObject({
      roleRef: { kind: 'Role', name: 'onload-hooks' },
      subjects: [{ kind: 'ServiceAccount', name: 'onload-hooks', namespace: ns }],
    });
    expect(find(objects, 'ClusterRoleBinding', 'onload-system-onload-hooks')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'onload-system-onload-hooks' },
      subjects: [{ kind: 'ServiceAccount', name: 'onload-hooks', namespace: ns }],
    });
  });
});

describe.each(helmMajors)('labeller, Helm %i', (helmMajor) => {
  it('runs the labeller entry point non-root with the contract env (no deadline, no Module loaders)', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const d = deployment(objects, 'onload-labeller');
    expect(d.spec?.replicas).toBe(1);
    const spec = podSpec(d);
    expect(spec.serviceAccountName).toBe('onload-labeller');
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.securityContext?.runAsUser).toBe(65532);
    const c = container(spec, 'labeller');
    expect(c.command).toEqual(['node', `${imageAppDir}/labeller.mjs`]);
    expect(c.image).toBe('ghcr.io/onload-helm/onload-hooks:0.1.0');
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const env = envOf(c);
    expect(Object.keys(env).sort()).toEqual(
      [
        ...Object.values(hookEnv).filter(
          (k) => k !== hookEnv.deadlineSeconds && k !== hookEnv.moduleLoaders,
        ),
        'NODE_OPTIONS',
        ...Object.keys(nodeRuntimeEnv),
      ].sort(),
    );
    expect(env).toMatchObject({ ...nodeRuntimeEnv, NODE_OPTIONS: nodeOptions(256) });
    expect(JSON.parse(env[hookEnv.spec] ?? '')).toEqual(find(objects, 'Onload', 'onload').spec);
    expect(d.spec?.template.metadata?.labels?.['app.kubernetes.io/component']).toBe('labeller');
  });

  it('lets the labeller patch nodes, create events and read the Modules of its namespace', async () => {
    const objects = await render({ variant: 'minimal', helmMajor });
    const cluster = clusterRole(objects, 'onload-system-onload-labeller').rules;
    for (const verb of ['get', 'list', 'watch', 'patch'])
      expect(allows(cluster, '', 'nodes', verb)).toBe(true);
    expect(allows(cluster, '', 'events', 'create')).toBe(true);
    expect(allows(cluster, '', 'pods', 'list')).toBe(false);
    const local = role(objects, 'onload-labeller').rules;
    for (const verb of ['get', 'list', 'watch'])
      expect(allows(local, 'kmm.sigs.x-k8s.io', 'modules', verb)).toBe(true);
    expect(allows(local, 'kmm.sigs.x-k8s.io', 'modules', 'patch')).toBe(false);
  });

  it('is not deployed when labeller.enabled is false', async () => {
    const objects = await render({ variant: 'sfc-off', helmMajor });
    expect(
      objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'labeller'),
    ).toEqual([]);
  });
});
