// Label selectors: the string form users write (upgrade.eviction.podSelector), the map form of
// spec.selector, and the LabelSelector objects of PodDisruptionBudgets. Parsed once, matched purely.

export type Requirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesnotexist' };

export interface Selector {
  readonly requirements: readonly Requirement[];
  /** True for a selector that matches nothing (a PDB with a null selector). */
  readonly nothing?: boolean;
}

export type Labels = Readonly<Record<string, string>>;

export const everything: Selector = { requirements: [] };

export function matches(selector: Selector, labels: Labels): boolean {
  if (selector.nothing) return false;
  return selector.requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(labels[r.key] ?? '');
    }
  });
}

export function fromMap(map: Labels): Selector {
  return {
    requirements: Object.keys(map)
      .sort()
      .map((key) => ({ key, op: 'in', values: [map[key] ?? ''] })),
  };
}

/** The string form the API server accepts as `labelSelector`. */
export function format(selector: Selector): string {
  return selector.requirements
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case 'doesnotexist':
          return `!${r.key}`;
        case 'in':
          return r.values.length === 1
            ? `${r.key}=${r.values[0] ?? ''}`
            : `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0] ?? ''}`
            : `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}

export class SelectorError extends Error {}

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Parses the Kubernetes label selector string syntax (`a=b,c!=d,e in (f,g),!h`). */
export function parse(text: string, field: string): Selector {
  const source = text.trim();
  if (source === '') return everything;
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of source) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const requirements = parts.map((part) => parseRequirement(part.trim(), field, text));
  return { requirements };
}

function parseRequirement(part: string, field: string, whole: string): Requirement {
  const fail = (why: string): never => {
    throw new SelectorError(
      `${field}: "${whole}" is not a valid label selector (${why}); write e.g. "app=trader" or "tier in (a,b),!canary"`,
    );
  };
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const [, key = '', op = 'in', list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    checkKey(key, fail);
    for (const v of values) if (!valuePattern.test(v)) fail(`bad value "${v}"`);
    return { key, op: op === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (cmp) {
    const [, key = '', op = '=', value = ''] = cmp;
    checkKey(key, fail);
    if (!valuePattern.test(value)) fail(`bad value "${value}"`);
    return { key, op: op === '!=' ? 'notin' : 'in', values: [value] };
  }
  if (part.startsWith('!')) {
    const key = part.slice(1).trim();
    checkKey(key, fail);
    return { key, op: 'doesnotexist' };
  }
  if (part === '') fail('empty requirement');
  checkKey(part, fail);
  return { key: part, op: 'exists' };
}

function checkKey(key: string, fail: (why: string) => never): void {
  if (!keyPattern.test(key) || key.length > 316) fail(`bad key "${key}"`);
}

export interface LabelSelectorObject {
  readonly matchLabels?: Labels | null;
  readonly matchExpressions?:
    | readonly {
        readonly key: string;
        readonly operator: string;
        readonly values?: readonly string[] | null;
      }[]
    | null;
}

/** A metav1.LabelSelector (as in PDBs). `null`/absent selects nothing, `{}` selects everything. */
export function fromLabelSelector(sel: LabelSelectorObject | null | undefined): Selector {
  if (!sel) return { requirements: [], nothing: true };
  const requirements: Requirement[] = [...fromMap(sel.matchLabels ?? {}).requirements];
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin')
      requirements.push({ key: e.key, op, values: [...(e.values ?? [])] });
    else if (op === 'exists') requirements.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') requirements.push({ key: e.key, op: 'doesnotexist' });
    else return { requirements: [], nothing: true };
  }
  return { requirements };
}
