// ONLOAD_SPEC: the chart's spec values as JSON (defaults applied by Helm from values.yaml).
// The chart's values.schema.json already validated them; this re-checks the fields the hooks
// rely on, so a hand-made or stale Job fails with the field's name instead of misbehaving.
import type { OnloadSpec } from '../../generated/onload-types.ts';
import { ConfigError } from './errors.ts';

export class SpecError extends ConfigError {}

type Json = unknown;

export function parseSpec(text: string, source: string): OnloadSpec {
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpecError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const at = (path: string): Json =>
    path.split('.').reduce<Json>((v, key) => (isObject(v) ? v[key] : undefined), value);
  const need = (path: string, ok: (v: Json) => boolean, what: string): void => {
    const v = at(path);
    if (!ok(v))
      problems.push(
        `${path} must be ${what} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`,
      );
  };
  const isInt = (min: number) => (v: Json) => Number.isInteger(v) && (v as number) >= min;
  const isString = (v: Json): boolean => typeof v === 'string';
  const isBool = (v: Json): boolean => typeof v === 'boolean';
  const isStringMap = (v: Json): boolean => isObject(v) && Object.values(v).every(isString);

  need(
    'onload.version',
    (v) =>
      typeof v === 'string' &&
      /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v) &&
      v.length <= 63,
    'a label-safe version string',
  );
  need('selector', isStringMap, 'a map of node labels');
  need('sfc.enabled', isBool, 'true or false');
  need('upgrade.maxParallelUpgrades', isInt(1), 'an integer >= 1');
  need(
    'upgrade.maxUnavailable',
    (v) =>
      (Number.isInteger(v) && (v as number) >= 1) ||
      (typeof v === 'string' && /^(100|[1-9][0-9]?)%$/.test(v)),
    'an integer >= 1 or a percentage like "25%"',
  );
  need(
    'upgrade.canary.nodeNames',
    (v) => Array.isArray(v) && v.every(isString),
    'a list of node names',
  );
  need('upgrade.canary.nodeSelector', isStringMap, 'a map of node labels');
  need('upgrade.canary.pauseAfter', isBool, 'true or false');
  for (const t of [
    'devicePluginStopSeconds',
    'evictionSeconds',
    'driverReloadSeconds',
    'validationSeconds',
    'installSeconds',
  ])
    need(`upgrade.timeouts.${t}`, isInt(1), 'an integer number of seconds >= 1');
  need('upgrade.eviction.podSelector', isString, 'a label selector string ("" for none)');
  need('upgrade.eviction.force', isBool, 'true or false');
  need('upgrade.failurePolicy', (v) => v === 'Stop' || v === 'Continue', '"Stop" or "Continue"');
  if (problems.length > 0)
    throw new SpecError(
      `${source}: ${problems.join('; ')}. Set these chart values (helm upgrade --set ...) or re-render the chart.`,
    );
  return value as OnloadSpec;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
