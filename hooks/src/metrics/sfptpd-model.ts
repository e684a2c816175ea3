// What the sfptpd exporter knows about each sfptpd sync instance, whichever source it read
// (sfptpd's OpenMetrics endpoint or its JSON-lines real-time stats), and how reports merge: a
// report older than what is known is ignored; a complete report (one JSON line, the OpenMetrics
// snapshot) replaces the instance; a partial one (OpenMetrics' timestamped samples, which carry
// only the measurements) updates the measurements and the time.

export interface SfptpdMeasurements {
  readonly offsetSeconds?: number;
  readonly oneWayDelaySeconds?: number;
  readonly freqAdjustmentPpb?: number;
  readonly pTerm?: number;
  readonly iTerm?: number;
}

export interface SfptpdServo {
  /** The clock the instance disciplines (sfptpd's long name for it). */
  readonly clock: string;
  /** The master clock, or sfptpd's name of the time source when there is no local master clock. */
  readonly master: string;
  readonly activeInterface: string;
  readonly bond: string;
}

export interface SfptpdReport {
  readonly sync: string;
  /** When sfptpd recorded it (Unix seconds). */
  readonly time: number;
  readonly measurements: SfptpdMeasurements;
  /** Absent in a partial report. */
  readonly status?: {
    readonly inSync: boolean;
    readonly disciplining: boolean;
    readonly alarms: readonly string[];
    readonly servo: SfptpdServo;
  };
}

export interface SfptpdInstance {
  readonly sync: string;
  readonly time: number;
  readonly measurements: SfptpdMeasurements;
  readonly status?: SfptpdReport['status'];
}

/** Alarm names as sfptpd prints them ("none" for no alarm; "..." when its text was cut short). */
export function alarmNames(text: string): string[] {
  return text.split(/\s+/).filter((a) => a !== '' && a !== 'none' && a !== '...');
}

export class SfptpdState {
  private readonly instances = new Map<string, SfptpdInstance>();

  /** Applies reports oldest first. */
  apply(reports: readonly SfptpdReport[]): void {
    const ordered = [...reports].sort(
      (a, b) => a.time - b.time || Number(a.status !== undefined) - Number(b.status !== undefined),
    );
    for (const r of ordered) {
      const known = this.instances.get(r.sync);
      if (known && r.time < known.time) continue;
      this.instances.set(
        r.sync,
        r.status
          ? { sync: r.sync, time: r.time, measurements: r.measurements, status: r.status }
          : {
              ...(known ?? { sync: r.sync }),
              time: r.time,
              measurements: { ...known?.measurements, ...r.measurements },
            },
      );
    }
  }

  clear(): void {
    this.instances.clear();
  }

  /** Instances by name. */
  list(): SfptpdInstance[] {
    return [...this.instances.values()].sort((a, b) => (a.sync < b.sync ? -1 : 1));
  }
}
