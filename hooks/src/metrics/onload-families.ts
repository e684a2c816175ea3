// How orm_json's fields become Prometheus metric families (names, types, labels), and the
// cardinality limit: at most maxStacks stacks get series of their own, the rest are summed into
// one `_overflow` series. Pure; onload-registry.ts puts the result into a prom-client registry.
import type { FieldValues, OrmSection, OrmStack } from './orm-json.ts';

export type MetricType = 'counter' | 'gauge';

/** Labels of every per-stack series (plus `node`, the exporter's default label). */
export const stackLabelNames = ['stack_id', 'stack_name', 'pid'] as const;
export type StackLabels = Record<(typeof stackLabelNames)[number], string>;

/** The series that stands for every stack beyond maxStacks. */
export const overflowStackId = '_overflow';

/**
 * Fields of `stats` that Onload declares `val` (a level, not a count) in stats_def.h: exported
 * as gauges. Every other `stats` field is a counter.
 */
export const statsGauges: ReadonlySet<string> = new Set([
  'table_max_hops',
  'table_mean_hops',
  'table_n_entries',
  'table_n_slots',
  'ipv6_table_max_hops',
  'ipv6_table_mean_hops',
  'ipv6_table_n_entries',
  'ipv6_table_n_slots',
  'tx_dma_max',
  'tcp_connect_eother_val',
  'lowest_free_pkts',
]);

/** stack.stack_state fields exported as gauges (those that say how loaded a stack is). */
export const stateGauges: Readonly<Record<string, string>> = {
  creation_time_sec: 'onload_stack_creation_time_seconds',
  n_ep_bufs: 'onload_stack_state_n_ep_bufs',
  max_ep_bufs: 'onload_stack_state_max_ep_bufs',
  mem_pressure: 'onload_stack_state_mem_pressure',
  n_rx_pkts: 'onload_stack_state_n_rx_pkts',
  n_async_pkts: 'onload_stack_state_n_async_pkts',
  reserved_pktbufs: 'onload_stack_state_reserved_pktbufs',
  rxq_limit: 'onload_stack_state_rxq_limit',
  n_spinners: 'onload_stack_state_n_spinners',
  error_flags: 'onload_stack_state_error_flags',
  nic_n: 'onload_stack_state_nic_n',
};

export interface FamilyRef {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** A label beyond the stack labels, with its value (the TCP state of more_stats counts). */
  readonly extra?: { readonly label: string; readonly value: string };
}

export const socketsFamily = 'onload_stack_sockets';

function metricPart(field: string): string {
  return field.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** The family a field of a section is exported in. */
export function familyFor(section: OrmSection, field: string): FamilyRef {
  const f = metricPart(field);
  const src = `orm_json ${section}.${field}`;
  switch (section) {
    case 'stats':
      return statsGauges.has(field)
        ? { name: `onload_stack_${f}`, type: 'gauge', help: `Onload stack level (${src}).` }
        : {
            name: `onload_stack_${f}_total`,
            type: 'counter',
            help: `Onload stack count (${src}).`,
          };
    case 'more_stats':
      // Socket counts per TCP state are one family labelled by state; the rest are levels
      // summed over the stack's current sockets (they drop as sockets close: gauges).
      if (/^(TCP_|BAD_STATE)/.test(field))
        return {
          name: socketsFamily,
          type: 'gauge',
          help: 'Onload sockets of the stack in each TCP state (orm_json more_stats).',
          extra: { label: 'state', value: field },
        };
      return {
        name: statsGauges.has(field) ? `onload_stack_more_${f}` : `onload_stack_${f}`,
        type: 'gauge',
        help: `Onload stack level summed over its sockets (${src}).`,
      };
    case 'tcp_stats': {
      const base = f.replace(/^tcp_/, '');
      // Declared a count by Onload, but it is the number of current connections.
      return field === 'tcp_curr_estab'
        ? { name: `onload_tcp_${base}`, type: 'gauge', help: `Onload TCP MIB level (${src}).` }
        : {
            name: `onload_tcp_${base}_total`,
            type: 'counter',
            help: `Onload TCP MIB count (${src}).`,
          };
    }
    case 'tcp_ext_stats':
      return {
        name: `onload_tcp_ext_${f}_total`,
        type: 'counter',
        help: `Onload TcpExt count (${src}).`,
      };
  }
}

/** A stack's (or the overflow's) values, ready to be exported. */
export interface StackSeries {
  readonly labels: StackLabels;
  readonly sections: Readonly<Partial<Record<OrmSection, FieldValues>>>;
  /** stack_state values (none for the overflow series). */
  readonly state: FieldValues;
}

export interface StackSelection {
  readonly series: readonly StackSeries[];
  /** Stacks summed into the overflow series. */
  readonly overflowed: number;
}

/**
 * The first maxStacks stacks by id keep series of their own (labelled by id, name and the pid of
 * the process that created the stack, "" when unknown); the others are summed, field by field,
 * into one series labelled `_overflow`. Gauges are summed too (as Onload's own --sum-all does).
 */
export function selectStacks(
  stacks: readonly OrmStack[],
  maxStacks: number,
  pids: ReadonlyMap<number, number>,
): StackSelection {
  const sorted = [...stacks].sort((a, b) => a.id - b.id);
  const kept = sorted.slice(0, Math.max(0, maxStacks));
  const rest = sorted.slice(kept.length);
  const series: StackSeries[] = kept.map((s) => ({
    labels: { stack_id: String(s.id), stack_name: s.name, pid: pidOf(s, pids) },
    sections: s.sections,
    state: s.state,
  }));
  if (rest.length > 0)
    series.push({
      labels: { stack_id: overflowStackId, stack_name: overflowStackId, pid: '' },
      sections: sumSections(rest),
      state: new Map(),
    });
  return { series, overflowed: rest.length };
}

function pidOf(stack: OrmStack, pids: ReadonlyMap<number, number>): string {
  const pid = pids.get(stack.id) ?? stack.state.get('pid');
  return pid !== undefined && pid > 0 ? String(pid) : '';
}

function sumSections(stacks: readonly OrmStack[]): Partial<Record<OrmSection, FieldValues>> {
  const out: Partial<Record<OrmSection, Map<string, number>>> = {};
  for (const stack of stacks)
    for (const [section, values] of Object.entries(stack.sections) as [OrmSection, FieldValues][]) {
      const sum: Map<string, number> = (out[section] ??= new Map<string, number>());
      for (const [field, v] of values) sum.set(field, (sum.get(field) ?? 0) + v);
    }
  return out;
}
