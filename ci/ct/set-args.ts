// Chart values as Helm flags for chart-testing's `--helm-extra-set-args`, which ct splits on
// whitespace: `--set-json=<path>=<json>` per leaf; a map with a dotted key (e.g. a nodeSelector on
// `kubernetes.io/hostname`) goes whole, since Helm would read the dots as a path.
export function setJsonArgs(values: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isMap(value) && Object.keys(value).every((k) => !k.includes('.')))
      return setJsonArgs(value, path);
    const json = JSON.stringify(value);
    if (/\s/.test(json))
      throw new Error(`value ${path} cannot pass through ct's --helm-extra-set-args: whitespace`);
    return [`--set-json=${path}=${json}`];
  });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
