// The real KMM manager on the test bed, run out of cluster like the control plane: its CRDs, the
// OpenShift kinds it watches (stubs), its config (no webhook, no ports, no leader election) and
// the process itself, supervised so stopCluster and the watchdog stop it. Its worker pods are
// run by the agents' worker kubelet (agents/kmm/worker-kubelet.ts).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../lib/process.ts';
import type { Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { binaryPath, ensureTools } from '../tools/build.ts';
import { installCrds, kmmCrdPaths, kmmCrdsEnv } from './crds.ts';
import { isAlive, logPath, startProcess, tailOfLog } from './supervisor.ts';

/** Which KMM drives the bed's Modules; recorded in the bed's state for the tests. */
export interface KmmInfo {
  /** `stand-in`: the agents' KMM stand-in; `manager`: a real KMM manager binary. */
  readonly mode: 'stand-in' | 'manager';
  /** The KMM version it behaves as ("2.2" for the pinned manager). */
  readonly version: string;
  /** For `manager`: the binary that runs. */
  readonly binary?: string;
}

/** Opt-in: any KMM manager binary and CRD folder (e.g. a newer KMM built elsewhere). */
export const kmmEnv = {
  /** Path of a KMM manager binary to run instead of the pinned one. */
  binary: 'ONLOAD_KMM_MANAGER',
  /** Folder whose *.yaml files are the KMM CRDs to install instead of the pinned module's. */
  crds: kmmCrdsEnv,
  /** The KMM version that binary is, e.g. 2.6 (decides `.version.ready`, tolerations, ...). */
  version: 'ONLOAD_KMM_VERSION',
  /** `file` (KMM 2.2: `--config <file>`) or `configmap` (`--config <ConfigMap name>`). */
  config: 'ONLOAD_KMM_CONFIG',
} as const;

/** The KMM the pinned module is: release-2.2 of the fork the module proxy serves. */
export const pinnedKmmVersion = '2.2';
export const kmmOperatorNamespace = 'kmm-operator-system';
const configMapName = 'kmm-operator-manager-config';
const openshiftStubCrds = join(import.meta.dirname, 'crds', 'openshift-stubs.yaml');

export function managerKmmInfo(env: NodeJS.ProcessEnv = process.env): KmmInfo {
  const binary = env[kmmEnv.binary];
  return {
    mode: 'manager',
    version: env[kmmEnv.version] ?? pinnedKmmVersion,
    binary: binary ?? binaryPath('kmm', 'kmm-manager'),
  };
}

/** The manager's controller config: nothing listens, no leader election (one manager per bed). */
export function managerConfig(): Record<string, unknown> {
  return {
    healthProbeBindAddress: '0',
    metrics: { bindAddress: '0', secureServing: false, enableAuthnAuthz: false },
    leaderElection: { enabled: false, resourceID: 'kmm.sigs.x-k8s.io' },
    webhook: { disableHTTP2: true, port: 0 },
    worker: { runAsUser: 0, seLinuxType: 'spc_t', firmwareHostPath: '/var/lib/firmware' },
  };
}

export function managerEnv(kubeconfig: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: kubeconfig,
    OPERATOR_NAMESPACE: kmmOperatorNamespace,
    // Never pulled: KWOK runs no containers, the agents play the kubelet for worker pods.
    RELATED_IMAGE_WORKER: 'images.testbed.invalid/kmm-worker:testbed',
    RELATED_IMAGE_SIGN: 'images.testbed.invalid/kmm-signimage:testbed',
    RELATED_IMAGE_BUILD: 'images.testbed.invalid/kmm-build:testbed',
  };
}

export async function startKmmManager(
  stateDir: string,
  kubeconfig: string,
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KmmInfo> {
  const info = managerKmmInfo(env);
  if (!env[kmmEnv.binary]) await ensureTools(['kmm'], progress);
  const binary = info.binary ?? '';
  if (!existsSync(binary)) throw new Error(`KMM manager binary ${binary} does not exist`);
  await installCrds(kubeconfig, [...(await kmmCrdPaths(env)), openshiftStubCrds]);

  const config = stringify(managerConfig());
  const configFile = join(stateDir, 'kmm-controller-config.yaml');
  await writeFile(configFile, config);
  const kubectl = binaryPath('kubernetes', 'kubectl');
  const manifest = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: kmmOperatorNamespace } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName, namespace: kmmOperatorNamespace },
      data: { 'controller_config.yaml': config },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
  await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: manifest });

  const configArg = env[kmmEnv.config] === 'configmap' ? configMapName : configFile;
  progress(`starting the KMM manager ${info.version} (${binary})`);
  const pid = startProcess(
    stateDir,
    'kmm-manager',
    binary,
    [`--config=${configArg}`, '--v=1'],
    managerEnv(kubeconfig),
  );
  await waitFor(
    'the KMM manager to start its controllers',
    () => {
      if (!isAlive(pid))
        throw new Error(`kmm-manager exited:\n${tailOfLog(stateDir, 'kmm-manager')}`);
      return Promise.resolve(managerStarted(stateDir));
    },
    { timeoutMs: 120_000, intervalMs: 250, describe: () => tailOfLog(stateDir, 'kmm-manager', 15) },
  );
  return info;
}

function managerStarted(stateDir: string): boolean {
  const file = logPath(stateDir, 'kmm-manager');
  if (!existsSync(file)) return false;
  return tailOfLog(stateDir, 'kmm-manager', 400).includes('Starting workers');
}
