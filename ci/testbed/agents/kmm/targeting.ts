// Which nodes a Module targets and what it loads there (KMM: selector, taints vs tolerations, the
// first kernel mapping that matches the node's kernel). Pure.
import type { NodeView, TaintView, TolerationView } from '../kube/views.ts';
import type { Module, ModuleConfig } from './types.ts';

export function selectsNode(module: Module, nodeLabels: Readonly<Record<string, string>>): boolean {
  return Object.entries(module.spec.selector ?? {}).every(([k, v]) => nodeLabels[k] === v);
}

/** Kubernetes toleration semantics. */
export function tolerates(toleration: TolerationView, taint: TaintView): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** NoSchedule / NoExecute taints of the node that none of `tolerations` tolerates. */
export function untoleratedTaints(
  taints: readonly TaintView[],
  tolerations: readonly TolerationView[],
): TaintView[] {
  return taints.filter(
    (taint) =>
      (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') &&
      !tolerations.some((t) => tolerates(t, taint)),
  );
}

/** `node.status.nodeInfo.kernelVersion` without a trailing "+", as KMM reads it. */
export function nodeKernel(node: NodeView): string {
  return (node.status?.nodeInfo?.kernelVersion ?? '').replace(/\+$/, '');
}

export function substituteImage(
  image: string,
  vars: { kernel: string; module: string; namespace: string },
): string {
  return image
    .replaceAll('${KERNEL_FULL_VERSION}', vars.kernel)
    .replaceAll('${MOD_NAME}', vars.module)
    .replaceAll('${MOD_NAMESPACE}', vars.namespace);
}

/** The config the Module loads on a node with `kernel`, or undefined when no mapping matches. */
export function moduleConfigFor(module: Module, kernel: string): ModuleConfig | undefined {
  const container = module.spec.moduleLoader?.container;
  if (!container) return undefined;
  // KMM's kernel mapper: a mapping matches when its non-empty `literal` equals the kernel or its
  // non-empty `regexp` matches it (unanchored); an empty `literal` is ignored, not a kernel "".
  const mapping = (container.kernelMappings ?? []).find(
    (m) =>
      (m.literal !== undefined && m.literal !== '' && m.literal === kernel) ||
      (m.regexp !== undefined && m.regexp !== '' && new RegExp(m.regexp).test(kernel)),
  );
  const image = mapping?.containerImage ?? container.containerImage;
  if (!mapping || !image) return undefined;
  const inTreeList = mapping.inTreeModulesToRemove ?? container.inTreeModulesToRemove;
  const inTreeOne = mapping.inTreeModuleToRemove ?? container.inTreeModuleToRemove;
  return {
    kernelVersion: kernel,
    containerImage: substituteImage(image, {
      kernel,
      module: module.metadata.name,
      namespace: module.metadata.namespace,
    }),
    imagePullPolicy: container.imagePullPolicy ?? 'IfNotPresent',
    insecurePull: false,
    modprobe: { dirName: '/opt', ...container.modprobe },
    ...(inTreeList ? { inTreeModulesToRemove: inTreeList } : {}),
    ...(inTreeOne ? { inTreeModuleToRemove: inTreeOne } : {}),
  };
}
