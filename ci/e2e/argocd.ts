// Drives the chart the way Argo CD users do, against the real Argo CD the test bed starts
// (ci/testbed/argocd/): an Application whose source is a git repository holding charts/onload,
// syncs requested the way the argocd CLI requests them (an `operation` on the Application), and
// deletion through the resources finalizer.
import { cp, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chartDir } from '../lib/helm.ts';
import { run } from '../lib/process.ts';
import { waitFor } from '../lib/wait.ts';
import { argoCdNamespace } from '../testbed/argocd/components.ts';
import { kubectl, kubectlJson } from '../testbed/session.ts';
import type { Values } from './values.ts';

export const resourcesFinalizer = 'resources-finalizer.argocd.argoproj.io';
const chartPath = 'onload';

/**
 * A bare git repository (file:// URL) under `parent` (the bed's state directory, removed with the
 * bed) whose one commit holds the chart under `onload/`.
 */
export async function chartRepository(parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, 'argocd-repo-'));
  const work = join(dir, 'work');
  const bare = join(dir, 'repo.git');
  await cp(chartDir, join(work, chartPath), {
    recursive: true,
    filter: (source) => !source.startsWith(join(chartDir, 'tests')),
  });
  const git = (args: readonly string[], cwd: string): Promise<unknown> =>
    run('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'e2e',
        GIT_AUTHOR_EMAIL: 'e2e@localhost',
        GIT_COMMITTER_NAME: 'e2e',
        GIT_COMMITTER_EMAIL: 'e2e@localhost',
      },
    });
  await git(['init', '-q', '-b', 'main', work], dir);
  await git(['add', '.'], work);
  await git(['commit', '-q', '-m', 'chart'], work);
  await git(['clone', '-q', '--bare', work, bare], dir);
  return `file://${bare}`;
}

export interface AppSpec {
  readonly name: string;
  readonly namespace: string;
  readonly repoURL: string;
  readonly values: Values;
}

export function applicationManifest(app: AppSpec): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: app.name,
      namespace: argoCdNamespace,
      // Without it, deleting the Application leaves everything running and runs no delete hooks.
      finalizers: [resourcesFinalizer],
    },
    spec: {
      project: 'default',
      source: {
        repoURL: app.repoURL,
        targetRevision: 'main',
        path: chartPath,
        helm: { releaseName: app.name, valuesObject: app.values },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: app.namespace },
      syncPolicy: {
        syncOptions: ['CreateNamespace=true'],
        // Argo CD creates the namespace in PreSync wave 0 unless told otherwise; the chart's
        // PreSync hooks (weight -10) need it first.
        managedNamespaceMetadata: { annotations: { 'argocd.argoproj.io/sync-wave': '-20' } },
      },
    },
  };
}

interface SyncedResource {
  kind: string;
  name: string;
  namespace?: string;
  hookType?: string;
  hookPhase?: string;
  status?: string;
  message?: string;
}

export interface Application {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
  spec?: { syncPolicy?: { syncOptions?: string[] } };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      retryCount?: number;
      operation?: { initiatedBy?: { username?: string } };
      syncResult?: { resources?: SyncedResource[] };
    };
  };
}

export function getApplication(name: string): Promise<Application> {
  return kubectlJson<Application>(['get', 'application', name, '-n', argoCdNamespace]);
}

export async function createApplication(app: AppSpec): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: stringify(applicationManifest(app)) });
}

/** New Helm values for the Application (what a values change in git would be). */
export async function setValues(name: string, values: Values): Promise<void> {
  await patchApplication(name, { spec: { source: { helm: { valuesObject: values } } } });
}

async function patchApplication(name: string, patch: object): Promise<void> {
  await kubectl([
    'patch',
    'application',
    name,
    '-n',
    argoCdNamespace,
    '--type',
    'merge',
    '-p',
    JSON.stringify(patch),
  ]);
}

export interface SyncOutcome {
  readonly phase: string;
  readonly message: string;
  readonly seconds: number;
  readonly resources: readonly SyncedResource[];
}

let syncCount = 0;

/**
 * Requests a sync the way `argocd app sync` has the API server request it (an `operation` on the
 * Application, hooks included) and waits until Argo CD reports the operation finished;
 * `retryLimit` is the operation's retry.limit (`argocd app sync --retry-limit`).
 */
export async function sync(
  name: string,
  options: { timeoutMs?: number; retryLimit?: number } = {},
): Promise<SyncOutcome> {
  const id = `e2e-sync-${process.pid}-${++syncCount}`;
  // Argo CD's API server copies the Application's sync options into the operation it creates.
  const syncOptions = (await getApplication(name)).spec?.syncPolicy?.syncOptions ?? [];
  const started = Date.now();
  await patchApplication(name, {
    operation: {
      initiatedBy: { username: id },
      sync: { revision: 'main', syncStrategy: { hook: {} }, syncOptions },
      ...(options.retryLimit === undefined
        ? {}
        : { retry: { limit: options.retryLimit, backoff: { duration: '5s', factor: 1 } } }),
    },
  });
  const state = await waitFor(
    `Argo CD to finish sync ${id} of ${name}`,
    async () => {
      const op = (await getApplication(name)).status?.operationState;
      const done = ['Succeeded', 'Failed', 'Error'].includes(op?.phase ?? '');
      return op?.operation?.initiatedBy?.username === id && done && op;
    },
    {
      timeoutMs: options.timeoutMs ?? 600_000,
      intervalMs: 500,
      describe: async () =>
        JSON.stringify((await getApplication(name)).status?.operationState ?? {}),
    },
  );
  return {
    phase: state.phase ?? '',
    message: state.message ?? '',
    seconds: (Date.now() - started) / 1000,
    resources: state.syncResult?.resources ?? [],
  };
}

/** Deletes the Application (its finalizer makes Argo CD delete what it deployed) and waits until it is gone. */
export async function deleteApplication(name: string, timeoutMs = 600_000): Promise<number> {
  const started = Date.now();
  await kubectl(['delete', 'application', name, '-n', argoCdNamespace, '--wait=false']);
  await waitFor(
    `Application ${name} to be deleted`,
    async () =>
      (
        await kubectl(['get', 'application', name, '-n', argoCdNamespace, '-o', 'name'], {
          allowFailure: true,
        })
      ).code !== 0,
    {
      timeoutMs,
      intervalMs: 500,
      describe: async () => {
        const app = await getApplication(name).catch(() => undefined);
        return JSON.stringify({
          finalizers: app?.metadata.finalizers,
          conditions: (app?.status as { conditions?: unknown } | undefined)?.conditions,
        });
      },
    },
  );
  return (Date.now() - started) / 1000;
}
