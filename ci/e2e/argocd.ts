// Reproduces what Argo CD does with a Helm chart (Argo CD's Helm support): it only renders with
// `helm template` (no release, no lookup, IsUpgrade always false), maps Helm hooks to sync phases
// (pre-install/pre-upgrade → PreSync, post-install/post-upgrade → PostSync, pre-delete →
// PreDelete, post-delete → PostDelete; rollback hooks ignored), orders by phase → wave
// (hook-weight) → kind → name, applies hooks with kubectl apply (BeforeHookCreation deletes the
// old one first), waits for hook Jobs, waits for the synced resources to be healthy before
// PostSync, and deletes HookSucceeded hooks once the operation succeeded.
import { parseAllDocuments, stringify } from 'yaml';
import { binaryPath } from '../tools/build.ts';
import { run, type RunResult } from '../lib/process.ts';

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'PreDelete' | 'PostDelete';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

export interface SyncItem {
  readonly manifest: Manifest;
  readonly phases: readonly SyncPhase[];
  readonly wave: number;
  readonly deletePolicies: readonly string[];
}

const hookToPhase: Readonly<Record<string, SyncPhase>> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'pre-delete': 'PreDelete',
  'post-delete': 'PostDelete',
};

const deletePolicyNames: Readonly<Record<string, string>> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

/** Argo CD's apply order of kinds within a wave (a subset: the kinds this chart renders). */
const kindOrder = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Deployment',
  'StatefulSet',
  'Job',
];

function kindRank(kind: string): number {
  const i = kindOrder.indexOf(kind);
  return i === -1 ? kindOrder.length : i;
}

/** Classifies rendered manifests into sync items. Pure. */
export function planSync(rendered: string): SyncItem[] {
  const items: SyncItem[] = [];
  for (const doc of parseAllDocuments(rendered)) {
    const manifest = doc.toJS() as Manifest | null;
    if (!manifest?.kind) continue;
    const annotations = manifest.metadata.annotations ?? {};
    const helmHooks = annotations['helm.sh/hook']?.split(',').map((h) => h.trim());
    const phases: SyncPhase[] = helmHooks
      ? [...new Set(helmHooks.flatMap((h) => (hookToPhase[h] ? [hookToPhase[h]] : [])))]
      : ['Sync'];
    // A resource whose hooks are all unsupported (e.g. pre-rollback only) is not applied at all.
    if (phases.length === 0) continue;
    const deletePolicies = helmHooks
      ? (annotations['helm.sh/hook-delete-policy'] ?? 'before-hook-creation')
          .split(',')
          .map((p) => deletePolicyNames[p.trim()] ?? p)
      : [];
    items.push({
      manifest,
      phases,
      wave: Number(annotations['helm.sh/hook-weight'] ?? 0),
      deletePolicies,
    });
  }
  return items;
}

export function itemsOf(items: readonly SyncItem[], phase: SyncPhase): SyncItem[] {
  return items
    .filter((i) => i.phases.includes(phase))
    .sort(
      (a, b) =>
        a.wave - b.wave ||
        kindRank(a.manifest.kind) - kindRank(b.manifest.kind) ||
        a.manifest.metadata.name.localeCompare(b.manifest.metadata.name),
    );
}

export interface SyncResult {
  readonly ok: boolean;
  readonly phase: SyncPhase;
  readonly message: string;
}

export class ArgoCdApp {
  private readonly kubeconfig: string;
  private readonly namespace: string;

  constructor(kubeconfig: string, namespace: string) {
    this.kubeconfig = kubeconfig;
    this.namespace = namespace;
  }

  private kubectl(args: readonly string[], input?: string): Promise<RunResult> {
    return run(
      binaryPath('kubernetes', 'kubectl'),
      ['--kubeconfig', this.kubeconfig, '-n', this.namespace, ...args],
      {
        allowFailure: true,
        ...(input === undefined ? {} : { input }),
      },
    );
  }

  private async apply(manifests: readonly Manifest[]): Promise<void> {
    if (manifests.length === 0) return;
    const result = await this.kubectl(
      ['apply', '-f', '-'],
      manifests.map((m) => stringify(m)).join('---\n'),
    );
    if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
  }

  private async delete(manifest: Manifest): Promise<void> {
    await this.kubectl([
      'delete',
      manifest.kind,
      manifest.metadata.name,
      '--ignore-not-found',
      '--wait=true',
      '--cascade=background',
    ]);
  }

  /** Runs the hooks of one phase, wave by wave; a failed hook Job fails the phase. */
  private async runHooks(
    items: readonly SyncItem[],
    phase: SyncPhase,
    timeoutSeconds: number,
  ): Promise<SyncResult> {
    const hooks = itemsOf(items, phase);
    for (const wave of [...new Set(hooks.map((h) => h.wave))]) {
      const inWave = hooks.filter((h) => h.wave === wave);
      for (const hook of inWave)
        if (hook.deletePolicies.includes('BeforeHookCreation')) await this.delete(hook.manifest);
      await this.apply(inWave.map((h) => h.manifest));
      for (const job of inWave.filter((h) => h.manifest.kind === 'Job')) {
        const outcome = await this.waitForJob(job.manifest.metadata.name, timeoutSeconds);
        if (outcome !== 'Complete') {
          return { ok: false, phase, message: `hook Job ${job.manifest.metadata.name} ${outcome}` };
        }
      }
    }
    return { ok: true, phase, message: `${hooks.length} ${phase} hooks succeeded` };
  }

  private async waitForJob(
    name: string,
    timeoutSeconds: number,
  ): Promise<'Complete' | 'Failed' | 'timed out'> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (Date.now() < deadline) {
      const { stdout } = await this.kubectl([
        'get',
        'job',
        name,
        '-o',
        'jsonpath={range .status.conditions[?(@.status=="True")]}{.type}{"\\n"}{end}',
      ]);
      const conditions = stdout.split('\n');
      if (conditions.includes('Complete')) return 'Complete';
      if (conditions.includes('Failed')) return 'Failed';
      await new Promise((r) => setTimeout(r, 500));
    }
    return 'timed out';
  }

  private async deleteSucceededHooks(
    items: readonly SyncItem[],
    phases: readonly SyncPhase[],
  ): Promise<void> {
    const done = new Set<string>();
    for (const item of items.filter(
      (i) => i.deletePolicies.includes('HookSucceeded') && i.phases.some((p) => phases.includes(p)),
    )) {
      const key = `${item.manifest.kind}/${item.manifest.metadata.name}`;
      if (done.has(key)) continue;
      done.add(key);
      await this.delete(item.manifest);
    }
  }

  /** One sync operation: PreSync → Sync (apply, then wait until healthy) → PostSync. */
  async sync(rendered: string, hookTimeoutSeconds = 1200): Promise<SyncResult> {
    const items = planSync(rendered);
    const pre = await this.runHooks(items, 'PreSync', hookTimeoutSeconds);
    if (!pre.ok) return pre;
    const resources = itemsOf(items, 'Sync').map((i) => i.manifest);
    const crds = resources.filter((m) => m.kind === 'CustomResourceDefinition');
    await this.apply(crds);
    if (crds.length > 0)
      await this.kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        ...crds.map((c) => `crd/${c.metadata.name}`),
      ]);
    await this.apply(resources.filter((m) => m.kind !== 'CustomResourceDefinition'));
    for (const deployment of resources.filter((m) => m.kind === 'Deployment')) {
      const healthy = await this.kubectl([
        'rollout',
        'status',
        `deployment/${deployment.metadata.name}`,
        '--timeout=300s',
      ]);
      if (healthy.code !== 0)
        return {
          ok: false,
          phase: 'Sync',
          message: `${deployment.metadata.name} not healthy: ${healthy.stderr}`,
        };
    }
    const post = await this.runHooks(items, 'PostSync', hookTimeoutSeconds);
    if (!post.ok) return post;
    await this.deleteSucceededHooks(items, ['PreSync', 'PostSync']);
    return { ok: true, phase: 'PostSync', message: 'synced' };
  }

  /** Deleting the Application: PreDelete hooks, delete the resources, then PostDelete hooks. */
  async deleteApp(rendered: string, hookTimeoutSeconds = 600): Promise<SyncResult> {
    const items = planSync(rendered);
    const pre = await this.runHooks(items, 'PreDelete', hookTimeoutSeconds);
    if (!pre.ok) return pre;
    for (const manifest of itemsOf(items, 'Sync').reverse()) {
      if (manifest.manifest.kind !== 'CustomResourceDefinition')
        await this.delete(manifest.manifest);
    }
    const post = await this.runHooks(items, 'PostDelete', hookTimeoutSeconds);
    if (!post.ok) return post;
    await this.deleteSucceededHooks(items, ['PreDelete', 'PostDelete']);
    return { ok: true, phase: 'PostDelete', message: 'deleted' };
  }
}
