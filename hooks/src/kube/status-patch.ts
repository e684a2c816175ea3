// The body that writes the Onload resource's status. A JSON merge patch keeps every map key it
// does not mention, so status.versions kept counting versions no node ran any more; a JSON Patch
// `add` of /status replaces the whole status (and creates it when absent).
import type { OnloadStatus } from '../../generated/onload-types.ts';

export interface StatusPatchOperation {
  readonly op: 'add';
  readonly path: '/status';
  readonly value: OnloadStatus;
}

export function onloadStatusPatch(status: OnloadStatus): StatusPatchOperation[] {
  return [{ op: 'add', path: '/status', value: status }];
}
