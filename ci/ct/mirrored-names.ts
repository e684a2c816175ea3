// The names the chart gives an image when a values file sets `global.imageRegistry`: that
// registry replaces the image's own (the chart's `onload.image` helper), so the hooks image
// imported as `localhost/onload/onload-hooks:<tag>` is pulled as `<mirror>/onload/onload-hooks:<tag>`.
import { parse } from 'yaml';

export function mirrorRegistries(valuesFiles: readonly string[]): string[] {
  const registries = valuesFiles.flatMap((text) => {
    const values = parse(text) as { global?: { imageRegistry?: unknown } } | null;
    const registry = values?.global?.imageRegistry;
    return typeof registry === 'string' && registry !== '' ? [registry.replace(/\/$/, '')] : [];
  });
  return [...new Set(registries)];
}

export function mirroredNames(reference: string, registries: readonly string[]): string[] {
  const slash = reference.indexOf('/');
  if (slash < 0) throw new Error(`${reference}: no registry to replace`);
  const rest = reference.slice(slash + 1);
  return registries.map((registry) => `${registry}/${rest}`);
}
