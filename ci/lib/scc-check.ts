// OpenShift SCC admission over manifests, without a cluster: runs ci/tools/scc-check (OpenShift's
// own SCC admission plugin) with OpenShift's default SCCs and their RBAC.
import { join } from 'node:path';
import { binaryPath, ensureTool } from '../tools/build.ts';
import { progressTo } from './progress.ts';
import { run } from './process.ts';

/** OpenShift 4.21's default SCCs and the ClusterRoles/bindings that grant them. */
export const openshiftDefaultSccs = join(
  import.meta.dirname,
  '..',
  'tools',
  'scc-check',
  'openshift-default-sccs.yaml',
);

/** The admission decision for one pod template. */
export interface SccVerdict {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly requestedBy: string;
  /** The SCC that admitted the pod (its `openshift.io/scc` annotation). */
  readonly scc?: string;
  /** The API server's refusal. */
  readonly error?: string;
}

export interface SccCheck {
  /** 0 when every pod template is admitted, 1 when one is refused. */
  readonly code: number;
  readonly verdicts: readonly SccVerdict[];
}

/** Builds the checker through the tool builder if missing; returns its path. */
export async function sccCheckPath(): Promise<string> {
  await ensureTool('sccCheck', progressTo('tools'));
  return binaryPath('sccCheck', 'scc-check');
}

/** Checks every pod template of `manifests` (a YAML stream) against the cluster's SCCs and RBAC. */
export async function checkSccs(
  manifests: string,
  clusterFiles: readonly string[] = [openshiftDefaultSccs],
): Promise<SccCheck> {
  const args = [...clusterFiles.flatMap((f) => ['-cluster', f]), '-o', 'json'];
  const out = await run(await sccCheckPath(), args, { input: manifests, allowFailure: true });
  if (out.code !== 0 && out.code !== 1)
    throw new Error(`scc-check failed (exit ${out.code}): ${out.stderr}`);
  return { code: out.code, verdicts: JSON.parse(out.stdout) as SccVerdict[] };
}
