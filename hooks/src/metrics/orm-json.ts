// Reads what Onload's `orm_json` prints (Onload Remote Monitor: a JSON dump of every stack the
// caller may map) and the kernel's per-stack lines in /proc/driver/onload/stacks. Pure functions:
// whatever the text holds, they return a result or an error, never throw.
//
// The layout, from Onload's public source (src/tools/onload_remote_monitor): an object whose
// first key is `onload_version` (the orm_json binary's own version), then with `--flat` an array
// `stacks` of objects carrying `id`, `name` (EF_NAME, may be ""), `pretty_name`, `index` and the
// selected sections; without `--flat` an array `json` of one-key objects `{"<id>": {...}}` (an
// `{"all": {...}}` element first with `--sum-all`). 64-bit fields are printed as quoted decimal
// strings, smaller ones as numbers.

/** The per-stack sections whose numeric fields become metrics. */
export const ormSections = ['stats', 'more_stats', 'tcp_stats', 'tcp_ext_stats'] as const;
export type OrmSection = (typeof ormSections)[number];

export type FieldValues = ReadonlyMap<string, number>;

export interface OrmStack {
  readonly id: number;
  /** EF_NAME ("" when unnamed). */
  readonly name: string;
  readonly prettyName: string;
  /** Numeric fields of each section present in the output. */
  readonly sections: Readonly<Partial<Record<OrmSection, FieldValues>>>;
  /** Top-level numeric fields of stack.stack_state (when that section was asked for). */
  readonly state: FieldValues;
}

export interface OrmSnapshot {
  /** The userland version orm_json was built from. */
  readonly onloadVersion: string;
  /** Stacks by ascending id. */
  readonly stacks: readonly OrmStack[];
  /** Fields skipped for holding no number, and the like: worth a debug line, not a failure. */
  readonly warnings: readonly string[];
}

export type OrmParseResult =
  | { readonly ok: true; readonly snapshot: OrmSnapshot }
  | { readonly ok: false; readonly error: string };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

class Malformed extends Error {}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number as orm_json prints one (a JSON number, or a decimal string for 64-bit fields). */
export function ormNumber(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return Number(value);
  return undefined;
}

/** Parses orm_json's standard output. */
export function parseOrmJson(text: string): OrmParseResult {
  if (text.trim() === '') return { ok: false, error: 'orm_json printed nothing' };
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    return { ok: false, error: `orm_json printed no valid JSON: ${(e as Error).message}` };
  }
  try {
    return { ok: true, snapshot: readRoot(root) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.message };
    throw e;
  }
}

function readRoot(root: Json): OrmSnapshot {
  if (!isObject(root)) throw new Malformed('orm_json output is not a JSON object');
  const version = root.onload_version;
  if (typeof version !== 'string')
    throw new Malformed('orm_json output has no onload_version string');
  const warnings: string[] = [];
  let entries: { raw: Json; key?: string }[];
  if (Array.isArray(root.stacks)) entries = root.stacks.map((raw) => ({ raw }));
  else if (Array.isArray(root.json)) entries = nonFlatEntries(root.json);
  else throw new Malformed('orm_json output has neither "stacks" (--flat) nor "json"');
  const stacks = entries.map((e, i) => readStack(e.raw, i, e.key, warnings));
  const seen = new Set<number>();
  for (const s of stacks) {
    if (seen.has(s.id)) throw new Malformed(`orm_json output lists stack ${s.id} twice`);
    seen.add(s.id);
  }
  stacks.sort((a, b) => a.id - b.id);
  return { onloadVersion: version, stacks, warnings };
}

/** `json: [{"all": ...}?, {"<id>": {...}}, ...]` as (key, stack) pairs, the sum left out. */
function nonFlatEntries(list: Json[]): { raw: Json; key: string }[] {
  return list.flatMap((element, i) => {
    if (!isObject(element) || Object.keys(element).length !== 1)
      throw new Malformed(`orm_json "json" element ${i} is not a one-key object`);
    const [key, raw] = Object.entries(element)[0] as [string, Json];
    return key === 'all' ? [] : [{ key, raw }];
  });
}

function readStack(
  raw: Json,
  index: number,
  key: string | undefined,
  warnings: string[],
): OrmStack {
  if (!isObject(raw)) throw new Malformed(`orm_json stack entry ${index} is not an object`);
  const stackSection = raw.stack;
  if (stackSection !== undefined && !isObject(stackSection))
    throw new Malformed(`orm_json stack entry ${index}: "stack" is not an object`);
  const stateRaw = stackSection?.stack_state;
  if (stateRaw !== undefined && !isObject(stateRaw))
    throw new Malformed(`orm_json stack entry ${index}: "stack.stack_state" is not an object`);
  const id = stackId(raw.id ?? key ?? stateRaw?.stack_id, index);
  const sections: Partial<Record<OrmSection, FieldValues>> = {};
  for (const section of ormSections) {
    const value = raw[section];
    if (value === undefined) continue;
    if (!isObject(value))
      throw new Malformed(`orm_json stack ${id}: section "${section}" is not an object`);
    sections[section] = numericFields(value, `stack ${id} ${section}`, warnings);
  }
  const name = typeof raw.name === 'string' ? raw.name : stringField(stateRaw, 'name');
  const prettyName =
    typeof raw.pretty_name === 'string' ? raw.pretty_name : stringField(stateRaw, 'pretty_name');
  return {
    id,
    name,
    prettyName: prettyName || (name ? `${id},${name}` : String(id)),
    sections,
    state: stateRaw ? numericFields(stateRaw, `stack ${id} stack_state`, undefined) : new Map(),
  };
}

function stackId(value: Json | undefined, index: number): number {
  const id = ormNumber(value);
  if (id === undefined || !Number.isInteger(id) || id < 0)
    throw new Malformed(`orm_json stack entry ${index} has no integer stack id`);
  return id;
}

function stringField(obj: JsonObject | undefined, key: string): string {
  const v = obj?.[key];
  return typeof v === 'string' ? v : '';
}

/** The numeric top-level fields; nested objects and arrays are left out. */
function numericFields(
  obj: JsonObject,
  where: string,
  warnings: string[] | undefined,
): FieldValues {
  const out = new Map<string, number>();
  for (const [field, value] of Object.entries(obj)) {
    const n = ormNumber(value);
    if (n !== undefined) out.set(field, n);
    else if (warnings && !isObject(value) && !Array.isArray(value))
      warnings.push(`${where}: field ${field} holds no number (${JSON.stringify(value)})`);
  }
  return out;
}

/**
 * /proc/driver/onload/stacks: one line per stack, `<id>: <pid> <uid> <counters...>`, the pid of
 * the process that created the stack as seen from the reader's PID namespace (0 when that process
 * is not visible there). Lines that do not fit are skipped.
 */
export function parseStacksProc(text: string): ReadonlyMap<number, number> {
  const pids = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+):\s+(-?\d+)\s/.exec(line);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid > 0) pids.set(Number(m[1]), pid);
  }
  return pids;
}
