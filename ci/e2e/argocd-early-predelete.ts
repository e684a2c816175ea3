// Argo CD 3.6's race in a delete-hook phase, made to happen: when its cluster cache does not yet
// hold the hook Job it just created, `executeHooks` (controller/hook.go) takes "already exists" for
// a hook already there, finds none progressing and the controller removes the phase's finalizer
// (`finalizeApplicationDeletion`, controller/appcontroller.go), then goes on to delete the
// release's objects while the pre-delete Job has not run. Removing that finalizer ourselves once the
// Job exists is the same state, every time. A sampler records what the uninstall guard
// (charts/onload/templates/uninstall-guard.yaml) holds back meanwhile.
import { argoCdNamespace } from '../testbed/argocd/components.ts';
import { kubectl, kubectlJson } from '../testbed/session.ts';
import { waitFor } from '../lib/wait.ts';
import { uninstallGuard } from '../../hooks/src/contract.ts';

const preDeleteFinalizer = 'pre-delete-finalizer.argocd.argoproj.io';

export interface UninstallSample {
  /** When it was taken (ms). */
  readonly at: number;
  /** The guard has a deletionTimestamp or is gone: Argo CD is deleting the release's objects. */
  readonly cascading: boolean;
  /** The guard is there with its finalizer: pre-delete has not released it yet. */
  readonly guardHeld: boolean;
  /** Some KMM Module of the release has a deletionTimestamp or is gone. */
  readonly modulesGoing: boolean;
  /** The pre-delete Job is there and has not completed. */
  readonly preDeleteRunning: boolean;
}

/** Ends the Application's PreDelete phase as soon as the pre-delete Job exists. */
export async function endPreDeleteEarly(
  app: string,
  namespace: string,
  job: string,
): Promise<void> {
  await waitFor(
    `Job ${namespace}/${job}`,
    async () =>
      (await kubectl(['get', 'job', job, '-n', namespace, '-o', 'name'], { allowFailure: true }))
        .code === 0,
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  const { metadata } = await kubectlJson<{ metadata: { finalizers?: string[] } }>([
    'get',
    'application',
    app,
    '-n',
    argoCdNamespace,
  ]);
  const index = (metadata.finalizers ?? []).indexOf(preDeleteFinalizer);
  if (index < 0) throw new Error(`Application ${app} has no ${preDeleteFinalizer} to remove`);
  const path = `/metadata/finalizers/${index}`;
  await kubectl([
    'patch',
    'application',
    app,
    '-n',
    argoCdNamespace,
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'test', path, value: preDeleteFinalizer },
      { op: 'remove', path },
    ]),
  ]);
}

/** Samples the uninstall every `intervalMs` until `stop` settles. */
export async function sampleUninstall(
  namespace: string,
  names: { readonly guard: string; readonly job: string },
  stop: Promise<unknown>,
  intervalMs = 200,
): Promise<UninstallSample[]> {
  const samples: UninstallSample[] = [];
  const state = { stopped: false };
  const end = (): void => {
    state.stopped = true;
  };
  stop.then(end, end);
  /** `<deletionTimestamps>|<names>|<finalizers>` of the objects `args` lists. */
  const read = async (args: readonly string[], extra = ''): Promise<string[]> => {
    const got = await kubectl(
      [
        'get',
        ...args,
        '-n',
        namespace,
        '-o',
        `jsonpath={.items[*].metadata.deletionTimestamp}|{.items[*].metadata.name}|{.items[*].metadata.finalizers}|${extra}`,
      ],
      { allowFailure: true },
    );
    if (got.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${got.stderr}`);
    return got.stdout.split('|').map((part) => part.trim());
  };
  while (!state.stopped) {
    const [guard, modules, job] = await Promise.all([
      read(['configmaps', '--field-selector', `metadata.name=${names.guard}`]),
      read(['modules.kmm.sigs.x-k8s.io']),
      read(
        ['jobs', '--field-selector', `metadata.name=${names.job}`],
        '{.items[*].status.completionTime}',
      ),
    ]);
    const [guardDeleting = '', guardName = '', guardFinalizers = ''] = guard;
    const [modulesDeleting = '', moduleNames = ''] = modules;
    const [, jobName = '', , jobCompleted = ''] = job;
    samples.push({
      at: Date.now(),
      cascading: guardDeleting !== '' || guardName === '',
      guardHeld: guardName !== '' && guardFinalizers.includes(uninstallGuard.finalizer),
      modulesGoing: modulesDeleting !== '' || moduleNames === '',
      preDeleteRunning: jobName !== '' && jobCompleted === '',
    });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return samples;
}
