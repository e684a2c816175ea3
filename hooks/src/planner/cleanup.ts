// Uninstall and a node leaving the selector: every key of ours goes, whatever it holds.
import type { NodeChange, NodeFacts } from '../model/node-facts.ts';

/** The change that removes our keys from a node, or undefined when it carries none. */
export function cleanupChange(f: NodeFacts): NodeChange | undefined {
  return f.carried.length > 0 ? { forget: f.carried } : undefined;
}
