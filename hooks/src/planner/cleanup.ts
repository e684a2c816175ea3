// What to remove from a node when Onload leaves it (uninstall, or the node left the selector):
// our KMM version labels, state and pause labels, and our annotations.
import {
  kmmVersionLabel,
  moduleNames,
  nodeAnnotation,
  nodeAnnotationKeys,
  pausedLabel,
  stateLabel,
} from '../contract.ts';
import type { MetadataPatch, NodeView } from '../kube/port.ts';

export function ourLabelKeys(namespace: string): string[] {
  return [
    kmmVersionLabel(namespace, moduleNames.onload),
    kmmVersionLabel(namespace, moduleNames.sfc),
    stateLabel(namespace),
    pausedLabel(namespace),
  ];
}

/** The patch that removes every key of ours from the node, or undefined when it has none. */
export function cleanupPatch(node: NodeView, namespace: string): MetadataPatch | undefined {
  const labels = Object.fromEntries(
    ourLabelKeys(namespace)
      .filter((k) => Object.hasOwn(node.labels, k))
      .map((k) => [k, null]),
  );
  const annotations = Object.fromEntries(
    nodeAnnotationKeys
      .map((k) => nodeAnnotation(namespace, k))
      .filter((k) => Object.hasOwn(node.annotations, k))
      .map((k) => [k, null]),
  );
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return undefined;
  return { labels, annotations };
}
