// Pure conversions from API objects (typed client models or raw watch JSON) to the port's views.
import type { OnloadStatus } from '../../generated/onload-types.ts';
import { onloadResource } from '../contract.ts';
import type {
  DeploymentView,
  LeaseView,
  MicView,
  ModuleCrdView,
  ModuleView,
  NmcView,
  NodeView,
  OnloadView,
  PdbView,
  PodImagesView,
  PodView,
} from './port.ts';
import { fromLabelSelector, type LabelSelectorObject } from './selectors.ts';

type Time = Date | string | null | undefined;
type Strings = Readonly<Record<string, string>> | null | undefined;

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly labels?: Strings;
  readonly annotations?: Strings;
  readonly creationTimestamp?: Time;
  readonly deletionTimestamp?: Time;
  readonly ownerReferences?:
    | readonly { readonly kind: string; readonly name: string; readonly controller?: boolean }[]
    | null;
}

export interface RawNode {
  readonly metadata?: Meta;
  readonly spec?: {
    readonly unschedulable?: boolean;
    readonly taints?: readonly { readonly key: string; readonly effect: string }[] | null;
  };
  readonly status?: {
    readonly conditions?: readonly { readonly type: string; readonly status: string }[] | null;
    readonly allocatable?: Strings;
  };
}

export function toMillis(t: Time): number | undefined {
  if (t === null || t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toNodeView(raw: RawNode): NodeView {
  const m = raw.metadata ?? {};
  const allocatable = raw.status?.allocatable?.[onloadResource];
  const unschedulableTaint = (raw.spec?.taints ?? []).some(
    (t) => t.key === 'node.kubernetes.io/unschedulable',
  );
  return {
    name: m.name ?? '',
    uid: m.uid ?? '',
    resourceVersion: m.resourceVersion ?? '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    ready: (raw.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: raw.spec?.unschedulable === true || unschedulableTaint,
    onloadAllocatable: quantity(allocatable),
  };
}

/** Integer quantities as extended resources use them ("4", "0"); other forms count as present. */
export function quantity(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  return /^0+(\.0+)?[a-zA-Z]*$/.test(value.trim()) ? 0 : 1;
}

interface RawContainer {
  readonly name?: string;
  readonly image?: string;
  readonly resources?: { readonly requests?: Strings; readonly limits?: Strings } | null;
}
interface RawContainerStatus {
  readonly name?: string;
  readonly restartCount?: number;
  readonly state?: {
    readonly running?: { readonly startedAt?: Time } | null;
    readonly waiting?: { readonly reason?: string; readonly message?: string } | null;
    readonly terminated?: {
      readonly reason?: string;
      readonly exitCode?: number;
      readonly message?: string;
    } | null;
  } | null;
}

export interface RawPod {
  readonly metadata?: Meta;
  readonly spec?: {
    readonly nodeName?: string;
    readonly containers?: readonly RawContainer[] | null;
    readonly initContainers?: readonly RawContainer[] | null;
  };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[] | null;
    readonly containerStatuses?: readonly RawContainerStatus[] | null;
    readonly initContainerStatuses?: readonly RawContainerStatus[] | null;
  };
}

const harmlessWaiting = new Set(['ContainerCreating', 'PodInitializing']);

export function toPodView(raw: RawPod): PodView {
  const m = raw.metadata ?? {};
  const statuses = [
    ...(raw.status?.initContainerStatuses ?? []),
    ...(raw.status?.containerStatuses ?? []),
  ];
  const trouble = troubleOf(statuses);
  const initRunning = runningInit(raw.status?.initContainerStatuses ?? []);
  const owner = (m.ownerReferences ?? []).find((o) => o.controller === true);
  return {
    ...podIdentity(raw),
    labels: { ...(m.labels ?? {}) },
    phase: raw.status?.phase ?? 'Pending',
    deleting: toMillis(m.deletionTimestamp) !== undefined,
    createdAt: toMillis(m.creationTimestamp) ?? 0,
    ready: (raw.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    usesOnload: requestsOnload(raw),
    mirror: Object.hasOwn(m.annotations ?? {}, 'kubernetes.io/config.mirror'),
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
    ...(trouble !== undefined ? { trouble } : {}),
    ...(initRunning !== undefined ? { initRunning } : {}),
  };
}

function runningInit(statuses: readonly RawContainerStatus[]): PodView['initRunning'] {
  for (const s of statuses) {
    const since = toMillis(s.state?.running?.startedAt);
    if (since !== undefined) return { container: s.name ?? '', since };
  }
  return undefined;
}

function podIdentity(raw: RawPod): Pick<PodView, 'namespace' | 'name' | 'uid' | 'nodeName'> {
  const m = raw.metadata ?? {};
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    uid: m.uid ?? '',
    nodeName: raw.spec?.nodeName ?? '',
  };
}

function requestsOnload(raw: RawPod): boolean {
  const containers = [...(raw.spec?.initContainers ?? []), ...(raw.spec?.containers ?? [])];
  return containers.some(
    (c) =>
      quantity(c.resources?.requests?.[onloadResource]) > 0 ||
      quantity(c.resources?.limits?.[onloadResource]) > 0,
  );
}

/** The first container stuck waiting for a bad reason, else the last one that failed. */
function troubleOf(statuses: readonly RawContainerStatus[]): string | undefined {
  let trouble: string | undefined;
  for (const s of statuses) {
    const w = s.state?.waiting;
    if (w?.reason && !harmlessWaiting.has(w.reason))
      return `${w.reason}${w.message ? `: ${w.message}` : ''}`;
    const t = s.state?.terminated;
    if (t && t.exitCode !== 0 && t.exitCode !== undefined)
      trouble = `${t.reason ?? 'Error'} (exit ${t.exitCode})${t.message ? `: ${t.message}` : ''}`;
  }
  return trouble;
}

export function toPodImagesView(raw: RawPod): PodImagesView {
  const m = raw.metadata ?? {};
  const statuses = raw.status?.containerStatuses ?? [];
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    labels: { ...(m.labels ?? {}) },
    containers: (raw.spec?.containers ?? []).map((c) => {
      const waiting = statuses.find((s) => s.name === c.name)?.state?.waiting;
      return {
        image: c.image ?? '',
        ...(waiting?.reason
          ? {
              waiting: {
                reason: waiting.reason,
                ...(waiting.message ? { message: waiting.message } : {}),
              },
            }
          : {}),
      };
    }),
  };
}

type IntOrString = number | string | null | undefined;

export interface RawPdb {
  readonly metadata?: Meta;
  readonly spec?: {
    readonly selector?: LabelSelectorObject | null;
    readonly minAvailable?: IntOrString;
    readonly maxUnavailable?: IntOrString;
  };
  readonly status?: { readonly disruptionsAllowed?: number; readonly expectedPods?: number } | null;
}

export function toPdbView(raw: RawPdb): PdbView {
  const m = raw.metadata ?? {};
  const minAvailable = raw.spec?.minAvailable;
  const maxUnavailable = raw.spec?.maxUnavailable;
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    selector: fromLabelSelector(raw.spec?.selector),
    ...(minAvailable !== null && minAvailable !== undefined ? { minAvailable } : {}),
    ...(maxUnavailable !== null && maxUnavailable !== undefined ? { maxUnavailable } : {}),
    ...(raw.status?.disruptionsAllowed !== undefined
      ? { disruptionsAllowed: raw.status.disruptionsAllowed }
      : {}),
    ...(raw.status?.expectedPods !== undefined ? { expectedPods: raw.status.expectedPods } : {}),
  };
}

export interface RawModule {
  readonly metadata?: Meta;
  readonly spec?: {
    readonly moduleLoader?: {
      readonly container?: {
        readonly version?: string;
        readonly containerImage?: string;
        readonly kernelMappings?: readonly { readonly containerImage?: string }[] | null;
      } | null;
    } | null;
  };
}

export function toModuleView(raw: RawModule): ModuleView {
  const m = raw.metadata ?? {};
  const c = raw.spec?.moduleLoader?.container;
  const images = [
    c?.containerImage,
    ...(c?.kernelMappings ?? []).map((k) => k.containerImage),
  ].filter((i): i is string => typeof i === 'string' && i !== '');
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    labels: { ...(m.labels ?? {}) },
    ...(c?.version ? { version: c.version } : {}),
    imageTemplates: images,
    loader: raw.spec?.moduleLoader ?? {},
  };
}

export interface RawCrd {
  readonly spec?: {
    readonly versions?:
      | readonly {
          readonly name?: string;
          readonly served?: boolean;
          readonly schema?: {
            readonly openAPIV3Schema?: {
              readonly properties?: {
                readonly spec?: { readonly properties?: Readonly<Record<string, unknown>> | null };
              } | null;
            } | null;
          } | null;
        }[]
      | null;
  };
}

export function toModuleCrdView(raw: RawCrd): ModuleCrdView {
  return {
    versions: (raw.spec?.versions ?? []).map((v) => ({
      name: v.name ?? '',
      served: v.served ?? false,
      specFields: Object.keys(v.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {}).sort(),
    })),
  };
}

export interface RawMic {
  readonly spec?: { readonly images?: readonly { readonly image?: string }[] | null };
  readonly status?: {
    readonly imagesStates?: readonly { readonly image?: string; readonly status?: string }[] | null;
  } | null;
}

export function toMicView(raw: RawMic): MicView {
  const states = new Map((raw.status?.imagesStates ?? []).map((s) => [s.image ?? '', s.status]));
  return {
    images: (raw.spec?.images ?? [])
      .filter((i) => i.image)
      .map((i) => {
        const image = i.image ?? '';
        const state = states.get(image);
        return { image, ...(state !== undefined ? { state } : {}) };
      }),
  };
}

interface RawNmcEntry {
  readonly namespace?: string;
  readonly name?: string;
  readonly config?: unknown;
}

export interface RawNmc {
  readonly spec?: { readonly modules?: readonly RawNmcEntry[] | null };
  readonly status?: { readonly modules?: readonly RawNmcEntry[] | null } | null;
}

export function toNmcView(raw: RawNmc): NmcView {
  const status = raw.status?.modules ?? [];
  return {
    modules: (raw.spec?.modules ?? []).map((s) => {
      const st = status.find((x) => x.namespace === s.namespace && x.name === s.name);
      return {
        namespace: s.namespace ?? '',
        name: s.name ?? '',
        configApplied: st !== undefined && canonical(st.config) === canonical(s.config),
      };
    }),
  };
}

/** JSON with sorted keys, for deep equality of API sub-objects. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

export interface RawOnload {
  readonly metadata?: Meta;
  readonly spec?: { readonly selector?: Strings };
  readonly status?: OnloadStatus;
}

export function toOnloadView(raw: RawOnload): OnloadView {
  const m = raw.metadata ?? {};
  const selector = raw.spec?.selector;
  return {
    name: m.name ?? '',
    uid: m.uid ?? '',
    generation: m.generation ?? 0,
    annotations: { ...(m.annotations ?? {}) },
    ...(selector ? { selector: { ...selector } } : {}),
    ...(raw.status ? { status: raw.status } : {}),
  };
}

export interface RawLease {
  readonly metadata?: Meta;
  readonly spec?: {
    readonly holderIdentity?: string | null;
    readonly renewTime?: Time;
    readonly leaseDurationSeconds?: number | null;
    readonly leaseTransitions?: number | null;
  };
}

export function toLeaseView(raw: RawLease): LeaseView {
  const s = raw.spec ?? {};
  const renewedAt = toMillis(s.renewTime);
  return {
    resourceVersion: raw.metadata?.resourceVersion ?? '',
    transitions: s.leaseTransitions ?? 0,
    ...(s.holderIdentity ? { holder: s.holderIdentity } : {}),
    ...(renewedAt !== undefined ? { renewedAt } : {}),
    ...(s.leaseDurationSeconds ? { durationSeconds: s.leaseDurationSeconds } : {}),
  };
}

export interface RawDeployment {
  readonly metadata?: Meta;
  readonly spec?: { readonly replicas?: number };
}

export function toDeploymentView(raw: RawDeployment): DeploymentView {
  return {
    namespace: raw.metadata?.namespace ?? '',
    name: raw.metadata?.name ?? '',
    replicas: raw.spec?.replicas ?? 1,
  };
}
