// The support bundle, cluster side: `writeSupportBundle` and what a caller needs around it.
export { writeSupportBundle, defaults } from './bundle.ts';
export type { BundleReport, SupportBundleOptions } from './bundle.ts';
export type { BundleCollector, BundleFile, CollectorContext } from './collect.ts';
export type {
  BundleFailure,
  BundleFileRecord,
  BundleIndex,
  FailureReason,
} from './bundle-index.ts';
export { paths } from './layout.ts';
export { ClientNodeSource } from './client-node-source.ts';
export type { ClusterSource } from './source.ts';
