/** Kubernetes `metav1.Time` text: RFC 3339, whole seconds. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}
