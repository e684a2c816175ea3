// Reads one line of sfptpd's real-time JSON stats (`json_stats <file>` in sfptpd.cfg, JSON Lines,
// one object per servo sample), from sfptpd's src/sfptpd_logging.c: `instance`, `time` (sfptpd's
// local time, "YYYY-MM-DD HH:MM:SS.ffffff"), `clock-master` and `clock-slave` ({`name`, `time`,
// `primary-interface`}), `is-disciplining`, `in-sync`, `alarms` (names), and `stats` with the keys
// that apply: `offset` and `one-way-delay` (ns), `freq-adj` (ppb), `p-term`, `i-term`,
// `active-interface`, `bond-interface`, `parent-id`, `gm-id`, `pps-*`. Never throws.
import type { SfptpdMeasurements, SfptpdReport } from './sfptpd-model.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

export type JsonLineResult =
  | { readonly ok: true; readonly report: SfptpdReport }
  | { readonly ok: false; readonly error: string };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const timePattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** sfptpd's local time as Unix seconds, read in this process's time zone (UTC unless TZ is set). */
export function parseLocalTime(text: string): number | undefined {
  const m = timePattern.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = new Date(y, mo - 1, d, h, mi, s).getTime();
  if (Number.isNaN(ms)) return undefined;
  return ms / 1000 + Number(`0.${m[7] ?? '0'}`);
}

function num(stats: JsonObject, key: string, divisor = 1): number | undefined {
  const v = stats[key];
  return typeof v === 'number' && Number.isFinite(v) ? v / divisor : undefined;
}

function str(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

function measurements(stats: JsonObject): SfptpdMeasurements {
  const all: Record<keyof SfptpdMeasurements, number | undefined> = {
    offsetSeconds: num(stats, 'offset', 1e9),
    oneWayDelaySeconds: num(stats, 'one-way-delay', 1e9),
    freqAdjustmentPpb: num(stats, 'freq-adj'),
    pTerm: num(stats, 'p-term'),
    iTerm: num(stats, 'i-term'),
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

export function parseJsonStatsLine(line: string): JsonLineResult {
  let o: Json;
  try {
    o = JSON.parse(line) as Json;
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (!isObject(o)) return { ok: false, error: 'not a JSON object' };
  const time = parseLocalTime(str(o.time));
  const alarms = o.alarms ?? [];
  if (typeof o.instance !== 'string' || o.instance === '')
    return { ok: false, error: 'no "instance"' };
  if (time === undefined) return { ok: false, error: `bad "time": ${JSON.stringify(o.time)}` };
  if (typeof o['in-sync'] !== 'boolean' || typeof o['is-disciplining'] !== 'boolean')
    return { ok: false, error: 'no boolean "in-sync" and "is-disciplining"' };
  if (!Array.isArray(alarms) || !alarms.every((a) => typeof a === 'string'))
    return { ok: false, error: '"alarms" is not a list of names' };
  const stats = isObject(o.stats) ? o.stats : {};
  const master = isObject(o['clock-master']) ? o['clock-master'] : {};
  const slave = isObject(o['clock-slave']) ? o['clock-slave'] : {};
  return {
    ok: true,
    report: {
      sync: o.instance,
      time,
      measurements: measurements(stats),
      status: {
        inSync: o['in-sync'],
        disciplining: o['is-disciplining'],
        alarms: alarms.map((a) => a.trim()),
        servo: {
          clock: str(slave.name),
          master: str(master.name),
          activeInterface: str(stats['active-interface']),
          bond: str(stats['bond-interface']),
        },
      },
    },
  };
}
