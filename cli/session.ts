// Connects to the cluster the kubectl way: --kubeconfig, else $KUBECONFIG or ~/.kube/config;
// --context, else the current context; the namespace from -n, else the context's, else "default".
import { ClientNodeKube, loadKubeConfig } from '../hooks/src/kube/adapter.ts';
import { createLogger } from '../hooks/src/log/logger.ts';
import { stringFlag, UsageError, type FlagValues } from './args.ts';
import { Failure, type Session } from './commands/command.ts';
import { interactiveRetry as retry } from './retry.ts';

/** -n/--namespace, else the context's namespace, else "default". */
export function resolveNamespace(
  flag: string | undefined,
  fromContext: string | undefined,
): string {
  return flag ?? (fromContext !== undefined && fromContext !== '' ? fromContext : 'default');
}

export function openSession(flags: FlagValues): Session {
  const file = stringFlag(flags, 'kubeconfig');
  const context = stringFlag(flags, 'context');
  let kc;
  try {
    kc = loadKubeConfig({
      ...(file !== undefined ? { file } : {}),
      ...(context !== undefined ? { context } : {}),
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (context !== undefined && why.includes(`context "${context}"`))
      throw new UsageError(
        `flag --context: ${why}: "kubectl config get-contexts" lists the contexts`,
      );
    if (file !== undefined)
      throw new UsageError(
        `flag --kubeconfig: cannot read ${file} (${why}): give a kubeconfig file`,
      );
    throw new Failure(`cannot load the kubeconfig: ${why}`);
  }
  if (!kc.getCurrentCluster())
    throw new Failure(
      'no cluster configured: pass --kubeconfig <file>, set KUBECONFIG, or write ~/.kube/config',
    );
  const log = createLogger({
    level: 'warn',
    sink: { write: (line) => process.stderr.write(`${line}\n`) },
  });
  return {
    port: new ClientNodeKube(kc, log, { retry }),
    kubeConfig: kc,
    namespace: resolveNamespace(
      stringFlag(flags, 'namespace'),
      kc.getContextObject(kc.getCurrentContext())?.namespace,
    ),
  };
}
