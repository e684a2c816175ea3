// Before the first node is touched, the new Module version must be able to load: KMM (>= 2.4) only
// loads a version once its ModuleImagesConfig reports the image `Exists`. A missing pre-built image
// never reaches the ModuleImagesConfig; only the pull pod's container says so.
import type { MicView, ModuleView, PodImagesView } from '../kube/port.ts';
import { readPullPods, type PullPodFacts } from '../model/pull-pods.ts';

export type ImageGate =
  | { readonly kind: 'ready' }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'fail'; readonly message: string };

const waitingStates = new Set(['NeedsBuilding', 'NeedsSigning']);

export function checkImages(
  module: ModuleView,
  mic: MicView | undefined,
  pullPods: readonly PodImagesView[],
): ImageGate {
  const where = `ModuleImagesConfig ${module.namespace}/${module.name}`;
  const current = currentImageTest(module);
  const pulls = readPullPods(pullPods).filter((p) => current(p.image));
  const unpullable = pulls.filter((p) => p.failedUnreported);
  if (unpullable.length > 0)
    return { kind: 'fail', message: unpullableMessage(module, unpullable) };
  if (mic === undefined) return { kind: 'wait', why: `${where} does not exist yet` };
  const stale = mic.images.filter((i) => !current(i.image));
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
      why: `${where}: ${pending.map((i) => `${i.image} ${i.state && waitingStates.has(i.state) ? i.state : notCheckedYet(i.image, pulls)}`).join(', ')}`,
    };
  return { kind: 'ready' };
}

/** Whether an image is one the Module's current spec renders (true for any when it has no templates). */
function currentImageTest(module: ModuleView): (image: string) => boolean {
  const templates = module.imageTemplates.map(templatePattern);
  return (image) => templates.length === 0 || templates.some((t) => t.test(image));
}

function notCheckedYet(image: string, pulls: readonly PullPodFacts[]): string {
  const pull = pulls.find((p) => p.image === image);
  if (pull === undefined) return 'not checked yet';
  return `not checked yet (pull pod ${pull.pod} ${pull.waiting ? pull.waiting.reason : 'still running'})`;
}

function unpullableMessage(module: ModuleView, pulls: readonly PullPodFacts[]): string {
  const ns = module.namespace;
  const each = pulls.map(
    (p) =>
      `${p.image} (KMM's pull pod ${ns}/${p.pod}: ${p.waiting?.reason ?? ''}${p.waiting?.message ? `: ${p.waiting.message}` : ''})`,
  );
  const podNames = [...new Set(pulls.map((p) => p.pod))].join(' ');
  return (
    `Module ${ns}/${module.name}: the kubelet cannot pull kernel-module image ${each.join(', ')}; KMM retries it forever without reporting it. ` +
    `No node was touched. Push the image, or fix onload.kernelMappings or the image settings (global.imageRegistry, imagePullSecrets), then upgrade again. ` +
    `If the registry was only briefly unreachable, upgrade again; to have KMM pull at once rather than after the kubelet's back-off, first run kubectl delete pod -n ${ns} ${podNames}.`
  );
}

/** A Module image template (with ${KERNEL_FULL_VERSION} etc.) as a pattern for rendered images. */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/\$\{[A-Z_]+\}/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.+')}$`);
}
