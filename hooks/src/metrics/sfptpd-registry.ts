// The sfptpd exporter's prom-client registry: one set of families whichever source was read, every
// per-instance series labelled `sync` (sfptpd's sync instance), plus the exporter's health.
import { Counter, Gauge, Registry } from 'prom-client';
import type { SfptpdInstance, SfptpdMeasurements } from './sfptpd-model.ts';

export const sfptpdSources = ['openmetrics', 'json'] as const;
export type SfptpdSource = (typeof sfptpdSources)[number];

export const sfptpdErrorReasons = [
  'missing',
  'unreachable',
  'status',
  'read',
  'malformed',
] as const;
export type SfptpdErrorReason = (typeof sfptpdErrorReasons)[number];

export const sfptpdFamilies = {
  inSync: 'sfptpd_in_sync',
  disciplining: 'sfptpd_is_disciplining',
  stale: 'sfptpd_report_stale',
  offset: 'sfptpd_offset_seconds',
  oneWayDelay: 'sfptpd_one_way_delay_seconds',
  freqAdjustment: 'sfptpd_freq_adjustment_ppb',
  pTerm: 'sfptpd_servo_p_term',
  iTerm: 'sfptpd_servo_i_term',
  alarms: 'sfptpd_alarms',
  alarm: 'sfptpd_alarm',
  lastUpdate: 'sfptpd_last_update_timestamp_seconds',
  servoInfo: 'sfptpd_servo_info',
  up: 'sfptpd_exporter_source_up',
  source: 'sfptpd_exporter_source_info',
  errors: 'sfptpd_exporter_scrape_errors_total',
} as const;

const measurementFamilies: readonly [keyof SfptpdMeasurements, string, string][] = [
  ['offsetSeconds', sfptpdFamilies.offset, 'Offset of the clock from its master (seconds).'],
  [
    'oneWayDelaySeconds',
    sfptpdFamilies.oneWayDelay,
    'One-way delay to the master, e.g. PTP mean path delay (seconds).',
  ],
  [
    'freqAdjustmentPpb',
    sfptpdFamilies.freqAdjustment,
    'Frequency adjustment applied to the clock (parts per billion).',
  ],
  ['pTerm', sfptpdFamilies.pTerm, "Proportional term of the instance's servo."],
  ['iTerm', sfptpdFamilies.iTerm, "Integral term of the instance's servo."],
];

export interface SfptpdHealth {
  readonly up: boolean;
  readonly source: SfptpdSource | undefined;
}

export class SfptpdMetrics {
  readonly registry = new Registry();
  private readonly inSync: Gauge<'sync'>;
  private readonly disciplining: Gauge<'sync'>;
  private readonly stale: Gauge<'sync'>;
  private readonly measurements = new Map<keyof SfptpdMeasurements, Gauge<'sync'>>();
  private readonly alarms: Gauge<'sync'>;
  private readonly alarm: Gauge<'sync' | 'alarm'>;
  private readonly lastUpdate: Gauge<'sync'>;
  private readonly servoInfo: Gauge;
  private readonly up: Gauge;
  private readonly source: Gauge<'source'>;
  readonly errors: Counter<'source' | 'reason'>;

  constructor(options: { readonly nodeName: string }) {
    if (options.nodeName) this.registry.setDefaultLabels({ node: options.nodeName });
    const registers = [this.registry];
    const f = sfptpdFamilies;
    const perSync = (name: string, help: string): Gauge<'sync'> =>
      new Gauge({ name, help, labelNames: ['sync'], registers });
    this.inSync = perSync(
      f.inSync,
      'Whether the sync instance reports itself in sync (1) or not (0); 0 too while its report is stale (sfptpd reports an instance only while it has a time source, e.g. a PTP port in the slave state).',
    );
    this.disciplining = perSync(
      f.disciplining,
      'Whether the instance disciplines its clock (1) or only compares it (0).',
    );
    this.stale = perSync(
      f.stale,
      "1 when sfptpd's newest report of the instance is older than the exporter's stale limit (its other values are then not served), else 0.",
    );
    for (const [key, name, help] of measurementFamilies)
      this.measurements.set(key, perSync(name, help));
    this.alarms = perSync(f.alarms, 'Alarms the instance reports.');
    this.alarm = new Gauge({
      name: f.alarm,
      help: 'An alarm the instance reports (sfptpd alarm name, e.g. no-sync-pkts), 1 while active.',
      labelNames: ['sync', 'alarm'],
      registers,
    });
    this.lastUpdate = perSync(
      f.lastUpdate,
      "When sfptpd recorded the instance's newest report (Unix seconds).",
    );
    this.servoInfo = new Gauge({
      name: f.servoInfo,
      help: 'The instance: the clock it disciplines, its master (clock or time source), its active interface and bond, 1.',
      labelNames: ['sync', 'clock', 'master', 'active_interface', 'bond'],
      registers,
    });
    this.up = new Gauge({
      name: f.up,
      help: 'Whether the last read of sfptpd succeeded (1) or not (0; no per-instance series then).',
      registers,
    });
    this.source = new Gauge({
      name: f.source,
      help: 'The source the exporter read last (openmetrics: the socket, json: the JSON-lines file), 1.',
      labelNames: ['source'],
      registers,
    });
    this.errors = new Counter({
      name: f.errors,
      help: 'Reads of sfptpd that failed, by source and reason (missing, unreachable, status, read; malformed: a response, or a JSON line, that is not what sfptpd writes).',
      labelNames: ['source', 'reason'],
      registers,
    });
    for (const source of sfptpdSources)
      for (const reason of sfptpdErrorReasons) this.errors.inc({ source, reason }, 0);
  }

  /** Replaces every per-instance value: none while the source is down. */
  show(
    health: SfptpdHealth,
    instances: readonly SfptpdInstance[],
    isStale: (t: number) => boolean,
  ): void {
    this.up.set(health.up ? 1 : 0);
    this.source.reset();
    if (health.source) this.source.set({ source: health.source }, 1);
    for (const g of [this.inSync, this.disciplining, this.stale, this.alarms, this.alarm])
      g.reset();
    for (const g of [this.lastUpdate, this.servoInfo, ...this.measurements.values()]) g.reset();
    if (!health.up) return;
    for (const i of instances) this.showInstance(i, isStale(i.time));
  }

  private showInstance(i: SfptpdInstance, stale: boolean): void {
    const sync = { sync: i.sync };
    this.lastUpdate.set(sync, i.time);
    this.stale.set(sync, stale ? 1 : 0);
    if (stale) {
      this.inSync.set(sync, 0);
      return;
    }
    for (const [key, gauge] of this.measurements) {
      const value = i.measurements[key];
      if (value !== undefined) gauge.set(sync, value);
    }
    const s = i.status;
    if (!s) return;
    this.inSync.set(sync, s.inSync ? 1 : 0);
    this.disciplining.set(sync, s.disciplining ? 1 : 0);
    this.alarms.set(sync, s.alarms.length);
    for (const alarm of s.alarms) this.alarm.set({ sync: i.sync, alarm }, 1);
    this.servoInfo.set(
      {
        sync: i.sync,
        clock: s.servo.clock,
        master: s.servo.master,
        active_interface: s.servo.activeInterface,
        bond: s.servo.bond,
      },
      1,
    );
  }
}
