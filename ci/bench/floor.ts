// The inherent minimum of a rollout on the test bed, and how far a measured run is above it. Pure.
//
// One node cannot take less than: its consumers' termination grace (they drain for all of it), the
// KMM unloads and loads (sfc depends on onload, so onload unload → sfc unload → sfc load → onload
// load run one after the other), and the device plugin's start once the node is unpaused. Nodes
// go `concurrency` at a time.

export interface FloorInputs {
  readonly nodes: number;
  readonly concurrency: number;
  readonly graceSeconds: number;
  readonly unloadMs: number;
  readonly loadMs: number;
  /** Kernel modules reloaded per node (2 with sfc, 1 without). */
  readonly modules: number;
  /** Unpause → device plugin Ready and amd.com/onload allocatable, measured on the same bed. */
  readonly devicePluginStartSeconds: number;
}

export function perNodeMinimumSeconds(i: FloorInputs): number {
  return i.graceSeconds + (i.modules * (i.unloadMs + i.loadMs)) / 1000 + i.devicePluginStartSeconds;
}

/** ceil(N / concurrency) × the per-node minimum. */
export function rolloutMinimumSeconds(i: FloorInputs): number {
  if (i.nodes < 1 || i.concurrency < 1)
    throw new Error(`nodes (${i.nodes}) and concurrency (${i.concurrency}) must be at least 1`);
  return Math.ceil(i.nodes / i.concurrency) * perNodeMinimumSeconds(i);
}

/** Measured wall time over the minimum (1.00 = no overhead). */
export function overheadRatio(wallSeconds: number, minimumSeconds: number): number {
  if (minimumSeconds <= 0) throw new Error(`the minimum must be positive, got ${minimumSeconds}`);
  return wallSeconds / minimumSeconds;
}

/** What one node costs on this bed with zero overhead of ours, every part measured on the bed. */
export interface BedCosts {
  readonly graceSeconds: number;
  readonly devicePluginStopSeconds: number;
  /** One module's unload and load as the bed's KMM does them (labels to labels). */
  readonly kmmUnloadSeconds: number;
  readonly kmmLoadSeconds: number;
  readonly devicePluginStartSeconds: number;
  readonly modules: number;
}

/**
 * The rollout's floor on this bed: like the minimum, but with the bed's KMM's measured reload
 * times and the device plugin's stop (the consumers drain while it stops; the reload waits for
 * both). Wall time over this is what our code adds.
 */
export function bedFloorSeconds(nodes: number, concurrency: number, c: BedCosts): number {
  const perNode =
    Math.max(c.graceSeconds, c.devicePluginStopSeconds) +
    c.modules * (c.kmmUnloadSeconds + c.kmmLoadSeconds) +
    c.devicePluginStartSeconds;
  return Math.ceil(nodes / Math.max(1, concurrency)) * perNode;
}
