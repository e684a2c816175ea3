// The Onload exporter's prom-client registry: the health of the orm_json runs, and per-stack
// families made from the fields the last good run printed (onload-families.ts says how).
import { Counter, Gauge, Registry } from 'prom-client';
import {
  familyFor,
  selectStacks,
  stackLabelNames,
  stateGauges,
  type FamilyRef,
  type StackSeries,
} from './onload-families.ts';
import type { OrmSection, OrmSnapshot } from './orm-json.ts';

/** Why a scrape has no current data (the runner's outcomes, plus what the exporter finds). */
export const failureReasons = [
  'exit_code',
  'timeout',
  'spawn',
  'too_large',
  'malformed',
  'stale',
] as const;
export type FailureReason = (typeof failureReasons)[number];

/** The exporter's own families (the per-stack ones are made as fields appear). */
export const exporterFamilies = {
  up: 'onload_orm_json_up',
  lastRun: 'onload_orm_json_last_run_timestamp_seconds',
  lastSuccess: 'onload_orm_json_last_success_timestamp_seconds',
  duration: 'onload_orm_json_duration_seconds',
  runs: 'onload_orm_json_runs_total',
  failures: 'onload_orm_json_failures_total',
  stacks: 'onload_stacks',
  inOverflow: 'onload_stacks_in_overflow',
  overflowed: 'onload_stacks_overflowed_total',
  maxStacks: 'onload_stacks_max',
  userland: 'onload_userland_version_info',
} as const;

export interface RunHealth {
  readonly up: boolean;
  readonly lastRunAt?: number;
  readonly lastSuccessAt?: number;
  readonly durationSeconds?: number;
  readonly runs: number;
  readonly failures: Readonly<Record<FailureReason, number>>;
}

type Family = Gauge | Counter;

export class OnloadMetrics {
  readonly registry = new Registry();
  private readonly maxStacks: number;
  private readonly perStack = new Map<
    string,
    { readonly family: Family; readonly owner: string }
  >();
  private readonly up: Gauge;
  private readonly lastRun: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly duration: Gauge;
  private readonly runs: Counter;
  private readonly failures: Counter<'reason'>;
  private readonly stacks: Gauge;
  private readonly inOverflow: Gauge;
  private readonly overflowed: Counter;
  private readonly userland: Gauge<'version'>;
  private readonly collisions = new Set<string>();

  constructor(options: { readonly nodeName: string; readonly maxStacks: number }) {
    this.maxStacks = options.maxStacks;
    if (options.nodeName) this.registry.setDefaultLabels({ node: options.nodeName });
    const registers = [this.registry];
    const f = exporterFamilies;
    this.up = new Gauge({
      name: f.up,
      help: '1 when the last orm_json run succeeded, printed valid output and is recent; 0 otherwise (no per-stack series then).',
      registers,
    });
    this.lastRun = new Gauge({
      name: f.lastRun,
      help: 'When the last orm_json run finished (Unix seconds).',
      registers,
    });
    this.lastSuccess = new Gauge({
      name: f.lastSuccess,
      help: 'When the last good orm_json run finished (Unix seconds).',
      registers,
    });
    this.duration = new Gauge({
      name: f.duration,
      help: 'How long the last orm_json run took (seconds).',
      registers,
    });
    this.runs = new Counter({
      name: f.runs,
      help: 'orm_json runs since the runner started.',
      registers,
    });
    this.failures = new Counter({
      name: f.failures,
      help: 'orm_json runs without current data, by reason (exit_code, timeout, spawn, too_large: the runner; malformed, stale: the exporter).',
      labelNames: ['reason'],
      registers,
    });
    this.stacks = new Gauge({
      name: f.stacks,
      help: 'Onload stacks orm_json listed in the last good run.',
      registers,
    });
    this.inOverflow = new Gauge({
      name: f.inOverflow,
      help: 'Stacks beyond the limit whose values were summed into the stack_id="_overflow" series in the last good run.',
      registers,
    });
    this.overflowed = new Counter({
      name: f.overflowed,
      help: 'Stacks summed into the _overflow series, counted once per orm_json run.',
      registers,
    });
    new Gauge({
      name: f.maxStacks,
      help: 'The limit of stacks with series of their own (metrics.onload.maxStacks).',
      registers,
    }).set(options.maxStacks);
    this.userland = new Gauge({
      name: f.userland,
      help: 'The Onload version orm_json was built from (the userland on the node), 1.',
      labelNames: ['version'],
      registers,
    });
    for (const reason of failureReasons) this.failures.inc({ reason }, 0);
  }

  /** The health of the runs; with up false, no per-stack value stays. */
  showHealth(health: RunHealth): void {
    this.up.set(health.up ? 1 : 0);
    setOrClear(this.lastRun, health.lastRunAt);
    setOrClear(this.lastSuccess, health.lastSuccessAt);
    setOrClear(this.duration, health.durationSeconds);
    this.runs.reset();
    this.runs.inc(health.runs);
    this.failures.reset();
    for (const reason of failureReasons) this.failures.inc({ reason }, health.failures[reason]);
    if (!health.up) this.clearStacks();
  }

  /** Replaces every per-stack value with those of a good run. `newRun`: count its overflow. */
  showStacks(snapshot: OrmSnapshot, pids: ReadonlyMap<number, number>, newRun: boolean): string[] {
    this.clearStacks();
    const selection = selectStacks(snapshot.stacks, this.maxStacks, pids);
    const problems: string[] = [];
    for (const series of selection.series) this.showSeries(series, problems);
    this.stacks.set(snapshot.stacks.length);
    this.inOverflow.set(selection.overflowed);
    if (newRun) this.overflowed.inc(selection.overflowed);
    this.userland.set({ version: snapshot.onloadVersion }, 1);
    return problems;
  }

  private clearStacks(): void {
    for (const { family } of this.perStack.values()) family.reset();
    this.stacks.remove({});
    this.inOverflow.remove({});
    this.userland.reset();
  }

  private showSeries(series: StackSeries, problems: string[]): void {
    for (const [section, values] of Object.entries(series.sections) as [
      OrmSection,
      ReadonlyMap<string, number>,
    ][])
      for (const [field, value] of values) {
        const ref = familyFor(section, field);
        const labels = ref.extra
          ? { ...series.labels, [ref.extra.label]: ref.extra.value }
          : series.labels;
        this.put(ref, `${section}.${field}`, labels, value, problems);
      }
    for (const [field, name] of Object.entries(stateGauges)) {
      const value = series.state.get(field);
      if (value === undefined) continue;
      const ref: FamilyRef = {
        name,
        type: 'gauge',
        help: `Onload stack state (orm_json stack.stack_state.${field}).`,
      };
      this.put(ref, `stack_state.${field}`, series.labels, value, problems);
    }
  }

  private put(
    ref: FamilyRef,
    owner: string,
    labels: Record<string, string>,
    value: number,
    problems: string[],
  ): void {
    const family = this.family(ref, owner);
    if (!family) {
      if (!this.collisions.has(owner))
        problems.push(`${owner}: metric name ${ref.name} is taken by another field; not exported`);
      this.collisions.add(owner);
      return;
    }
    if (family instanceof Counter) {
      if (value < 0)
        problems.push(
          `${owner}: negative count ${value} for stack ${labels.stack_id ?? ''}; left out`,
        );
      else family.inc(labels, value);
    } else family.set(labels, value);
  }

  private family(ref: FamilyRef, owner: string): Family | undefined {
    const key = ref.extra ? `${ref.name}{${ref.extra.label}}` : ref.name;
    const ownerKey = ref.extra ? key : owner;
    const known = this.perStack.get(ref.name);
    if (known) return known.owner === ownerKey ? known.family : undefined;
    const labelNames = ref.extra ? [...stackLabelNames, ref.extra.label] : [...stackLabelNames];
    const config = { name: ref.name, help: ref.help, labelNames, registers: [this.registry] };
    let family: Family;
    try {
      family = ref.type === 'counter' ? new Counter(config) : new Gauge(config);
    } catch {
      return undefined; // the name is one of the exporter's own families
    }
    this.perStack.set(ref.name, { family, owner: ownerKey });
    return family;
  }
}

function setOrClear(gauge: Gauge, value: number | undefined): void {
  if (value === undefined) gauge.remove({});
  else gauge.set(value);
}
