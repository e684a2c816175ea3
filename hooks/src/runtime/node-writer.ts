// The one writer of the node contract: turns a NodeChange into the label and annotation merge
// patch it stands for, and sends it with the resourceVersion it was decided on.
import { moduleNames, skipLabel, type ModuleKey } from '../contract.ts';
import type { KubePort, MetadataPatch, NodeView, PatchResult } from '../kube/port.ts';
import {
  formatTime,
  ownKeyName,
  readNodeFacts,
  type NodeChange,
  type NodeFacts,
  type NodeWrite,
  type OwnKey,
} from '../model/node-facts.ts';

type Ops = Record<string, string | null>;

/** The merge patch of a change (`null` removes a key); a half with nothing to change is left out. */
export function nodePatch(change: NodeChange, namespace: string): MetadataPatch {
  const patch = { labels: {} as Ops, annotations: {} as Ops };
  const put = (key: OwnKey, value: string | null | undefined): void => {
    if (value === undefined) return;
    const where = ownKeyName(namespace, key);
    patch[where.in][where.name] = value;
  };
  for (const key of change.forget ?? []) put(key, null);
  if (change.skip !== undefined) patch.labels[skipLabel] = change.skip ? 'true' : null;
  for (const [key, value] of Object.entries(spelled(change)) as [
    OwnKey,
    string | null | undefined,
  ][])
    put(key, value);
  return {
    ...(Object.keys(patch.labels).length > 0 ? { labels: patch.labels } : {}),
    ...(Object.keys(patch.annotations).length > 0 ? { annotations: patch.annotations } : {}),
  };
}

/** The value each key of a change gets; undefined leaves the key as it is. */
function spelled(change: NodeChange): Partial<Record<OwnKey, string | null | undefined>> {
  const { failure } = change;
  return {
    state: change.state,
    paused: change.paused === undefined ? undefined : change.paused ? 'true' : null,
    ...change.versions,
    since: spell(change.since, formatTime),
    target: change.target,
    reason: failure === undefined ? undefined : (failure?.reason ?? null),
    message: failure === undefined ? undefined : (failure?.message ?? null),
    unloaded: spell(change.unloaded, formatUnloaded),
    retried: spell(change.retried, formatTime),
  };
}

function spell<T>(value: T | null | undefined, as: (v: T) => string): string | null | undefined {
  if (value === undefined) return undefined;
  return value === null ? null : as(value);
}

/** The value of the `unloaded` annotation for a set of modules. */
function formatUnloaded(modules: readonly ModuleKey[]): string {
  return [...new Set(modules)]
    .sort()
    .map((m) => moduleNames[m])
    .join(',');
}

/** How a node ended up after `settle`: written, nothing to write, or lost (gone or ever-changing). */
export type Settled =
  | { readonly kind: 'written'; readonly node: NodeView }
  | { readonly kind: 'unchanged'; readonly facts: NodeFacts }
  | { readonly kind: 'lost' };

const settleAttempts = 5;

export class NodeWriter {
  private readonly port: KubePort;
  private readonly namespace: string;

  constructor(port: KubePort, namespace: string) {
    this.port = port;
    this.namespace = namespace;
  }

  /** Sends a change, refused (conflict) when the node changed since its resourceVersion. */
  async write(
    w: NodeWrite,
  ): Promise<{ readonly result: PatchResult<NodeView>; readonly patch: MetadataPatch }> {
    const patch = nodePatch(w.change, this.namespace);
    const result = await this.port.patchNode(w.node, patch, w.resourceVersion);
    return { result, patch };
  }

  /**
   * Writes the change `decide` makes of a node's facts; after a conflict re-reads the node and
   * decides again, a few times at most.
   */
  async settle(
    first: NodeView,
    decide: (facts: NodeFacts) => NodeChange | undefined,
  ): Promise<Settled> {
    let node: NodeView | undefined = first;
    for (let attempt = 0; node !== undefined && attempt < settleAttempts; attempt++) {
      const facts = readNodeFacts(node, this.namespace);
      const change = decide(facts);
      if (change === undefined) return { kind: 'unchanged', facts };
      const { result } = await this.write({
        node: facts.name,
        resourceVersion: facts.resourceVersion,
        change,
      });
      if (result.kind === 'patched') return { kind: 'written', node: result.object };
      node = result.kind === 'conflict' ? await this.port.getNode(node.name) : undefined;
    }
    return { kind: 'lost' };
  }
}
