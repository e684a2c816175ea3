// What the agents' pure decisions read of Nodes and Pods: structural views that the client's model
// objects satisfy and that unit tests write as plain literals.
export interface MetaView {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: Date | string;
}

export interface TaintView {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface TolerationView {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

export interface NodeView {
  readonly metadata?: MetaView;
  readonly spec?: { readonly taints?: readonly TaintView[] };
  readonly status?: {
    readonly nodeInfo?: { readonly kernelVersion: string };
    readonly addresses?: readonly { readonly type: string; readonly address: string }[];
    readonly allocatable?: Readonly<Record<string, string>>;
    readonly capacity?: Readonly<Record<string, string>>;
    readonly conditions?: readonly {
      readonly type: string;
      readonly status: string;
      readonly lastTransitionTime?: Date | string;
    }[];
  };
}

interface KeyRef {
  readonly name?: string;
  readonly key: string;
  readonly optional?: boolean;
}

export interface EnvVarView {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly configMapKeyRef?: KeyRef;
    readonly secretKeyRef?: KeyRef;
    readonly resourceFieldRef?: unknown;
  };
}

export interface EnvFromView {
  readonly prefix?: string;
  readonly configMapRef?: { readonly name?: string; readonly optional?: boolean };
  readonly secretRef?: { readonly name?: string; readonly optional?: boolean };
}

export interface ContainerView {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVarView[];
  readonly envFrom?: readonly EnvFromView[];
  readonly terminationMessagePolicy?: string;
}

export interface PodView {
  readonly metadata?: MetaView;
  readonly spec?: {
    readonly nodeName?: string;
    readonly serviceAccountName?: string;
    readonly restartPolicy?: string;
    readonly hostNetwork?: boolean;
    readonly containers: readonly ContainerView[];
    readonly initContainers?: readonly ContainerView[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly startTime?: Date | string;
    readonly hostIP?: string;
    readonly podIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly containerStatuses?: readonly {
      readonly restartCount: number;
      readonly state?: { readonly waiting?: { readonly reason?: string } };
    }[];
  };
}
