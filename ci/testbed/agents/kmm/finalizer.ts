// KMM's Module finalizer: every Module gets `kmm.node.kubernetes.io/module-finalizer`; a deleted
// Module is held until no node has it configured or loaded (its NMC spec and status entries gone).
// So deleting a namespace while its Modules are loaded deadlocks, as with KMM: the unload worker
// pods are refused in the terminating namespace and the finalizer stays. Pure.
import { refKey } from './labels.ts';
import type { Module, Nmc } from './types.ts';

export const moduleFinalizer = 'kmm.node.kubernetes.io/module-finalizer';

export type FinalizerStep = 'add' | 'remove' | undefined;

export function finalizerStep(module: Module, nmcs: readonly Nmc[]): FinalizerStep {
  const has = (module.metadata.finalizers ?? []).includes(moduleFinalizer);
  if (!module.metadata.deletionTimestamp) return has ? undefined : 'add';
  if (!has) return undefined;
  const key = refKey(module.metadata);
  const onSomeNode = nmcs.some((nmc) =>
    [...(nmc.spec?.modules ?? []), ...(nmc.status?.modules ?? [])].some((e) => refKey(e) === key),
  );
  return onSomeNode ? undefined : 'remove';
}
