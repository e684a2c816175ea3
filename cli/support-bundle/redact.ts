// Redaction of what must not leave the cluster: values under secret-looking keys (Helm values) and
// PEM blocks anywhere. Pure; returns a copy and leaves everything else as it was.

export const redacted = 'REDACTED';

const secretKey = /password|token|secret|key|cert|credential|auth/i;
const pemBlock = /-----BEGIN [A-Z0-9 ]+-----/;

function hidden(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

function walk(value: unknown, byKey: boolean): unknown {
  if (typeof value === 'string') return pemBlock.test(value) ? redacted : value;
  if (Array.isArray(value)) return value.map((v) => walk(v, byKey));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = byKey && secretKey.test(key) && hidden(v) ? redacted : walk(v, byKey);
  return out;
}

/**
 * User-supplied Helm values: the value of every key matching password, token, secret, key, cert,
 * credential or auth (any case, any depth; objects and lists whole) and every string holding a PEM
 * block become "REDACTED". Null and empty values stay: they hide nothing and say "not set".
 */
export function redactValues(value: unknown): unknown {
  return walk(value, true);
}

/** Cluster objects: only strings holding a PEM block (a key or certificate in an annotation or env). */
export function redactPem(value: unknown): unknown {
  return walk(value, false);
}
