// The parts of KMM's Module and NodeModulesConfig (kmm.sigs.x-k8s.io/v1beta1) the stand-in reads.
import type { TolerationView } from '../kube/views.ts';

export interface KernelMapping {
  readonly literal?: string;
  readonly regexp?: string;
  readonly containerImage?: string;
  readonly inTreeModulesToRemove?: readonly string[];
  readonly inTreeModuleToRemove?: string;
}

export interface Modprobe {
  readonly moduleName?: string;
  readonly dirName?: string;
  readonly [field: string]: unknown;
}

export interface Module {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly deletionTimestamp?: unknown;
    readonly finalizers?: readonly string[];
  };
  readonly spec: {
    readonly selector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly TolerationView[];
    readonly imageRepoSecret?: { readonly name: string };
    readonly moduleLoader?: {
      readonly serviceAccountName?: string;
      readonly container: {
        readonly version?: string;
        readonly containerImage?: string;
        readonly imagePullPolicy?: string;
        readonly modprobe: Modprobe;
        readonly kernelMappings?: readonly KernelMapping[];
        readonly inTreeModulesToRemove?: readonly string[];
        readonly inTreeModuleToRemove?: string;
      };
    };
  };
}

/** What a worker pod loads: NodeModulesConfig `config`. */
export interface ModuleConfig {
  readonly kernelVersion: string;
  readonly containerImage: string;
  readonly imagePullPolicy: string;
  readonly insecurePull: boolean;
  readonly modprobe: Modprobe;
  readonly inTreeModulesToRemove?: readonly string[];
  readonly inTreeModuleToRemove?: string;
}

/** One `spec.modules[]` / `status.modules[]` item of a NodeModulesConfig. */
export interface NmcEntry {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly imageRepoSecret?: { readonly name: string };
  readonly config: ModuleConfig;
  /** KMM >= 2.5 CRDs only. */
  readonly version?: string;
  /** Status entries only. */
  readonly lastTransitionTime?: string;
}

export interface Nmc {
  readonly metadata: {
    readonly name: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: { readonly modules?: readonly NmcEntry[] };
  readonly status?: { readonly modules?: readonly NmcEntry[] };
}
