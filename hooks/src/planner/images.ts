// Before the first node is touched, the new Module version must be able to load: KMM (>= 2.4) only
// loads a version once its ModuleImagesConfig reports the image `Exists`.
import type { MicView, ModuleView } from '../kube/port.ts';

export type ImageGate =
  | { readonly kind: 'ready' }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'fail'; readonly message: string };

const waitingStates = new Set(['NeedsBuilding', 'NeedsSigning']);

export function checkImages(module: ModuleView, mic: MicView | undefined): ImageGate {
  const where = `ModuleImagesConfig ${module.namespace}/${module.name}`;
  if (mic === undefined) return { kind: 'wait', why: `${where} does not exist yet` };
  const templates = module.imageTemplates.map(templatePattern);
  const stale =
    templates.length === 0 ? [] : mic.images.filter((i) => !templates.some((t) => t.test(i.image)));
  if (stale.length > 0)
    return {
      kind: 'wait',
      why: `${where} still lists images of the previous Module spec: ${stale.map((i) => i.image).join(', ')}`,
    };
  const missing = mic.images.filter((i) => i.state === 'DoesNotExist');
  if (missing.length > 0) {
    return {
      kind: 'fail',
      message: `kernel-module image ${missing.map((i) => i.image).join(', ')} does not exist (${where}); push it or fix onload.kernelMappings, then upgrade again. No node was touched.`,
    };
  }
  const pending = mic.images.filter((i) => i.state !== 'Exists');
  if (pending.length > 0)
    return {
      kind: 'wait',
      why: `${where}: ${pending.map((i) => `${i.image} ${i.state && waitingStates.has(i.state) ? i.state : 'not checked yet'}`).join(', ')}`,
    };
  return { kind: 'ready' };
}

/** A Module image template (with ${KERNEL_FULL_VERSION} etc.) as a pattern for rendered images. */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/\$\{[A-Z_]+\}/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.+')}$`);
}
